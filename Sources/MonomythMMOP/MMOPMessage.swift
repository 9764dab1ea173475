/// Every MMOP/0 message, as a value. Frames follow `shared/spec/MMOP.md`;
/// the extensions of this project are marked and documented in
/// `Documentation/MMOP.md`.
public enum MMOPMessage: Equatable, Sendable {
    // Control client → master.
    case ping
    case recipeInfo
    case workerInfo
    case startNodeRequest(type: String)
    case stopWorkerRequest(workerID: String)
    /// Extension: asks the master to make `type` complete once its source
    /// queue is empty (for node types fed from outside the pipeline).
    case completeTaskRequest(type: String)
    /// Extension: message counts per node type, summed over the workers;
    /// answered with `JSON-INFO-RESPONSE` (a ``NodeMetrics`` list).
    case metrics

    // Master → control client.
    case pong
    case jsonInfoResponse(String)
    case startNodeRequestSuccess
    case startNodeRequestFailure(reason: String, statusCode: Int)
    case stopWorkerRequestSuccess
    case stopWorkerRequestFailure(reason: String, statusCode: Int)
    /// Extension: the answer to ``completeTaskRequest(type:)``.
    case completeTaskRequestSuccess
    /// Extension: the answer to ``completeTaskRequest(type:)``.
    case completeTaskRequestFailure(reason: String, statusCode: Int)

    // Worker → master.
    case ready
    case startNodeSuccess(type: String)
    case startNodeFailure(type: String, category: String, reason: String)
    case workerTaskCompleted(type: String)
    /// Extension: a running node of `type` stopped on an error.
    case nodeFailure(type: String, reason: String)
    /// Extension: the worker runs `count` nodes of `type` (sent after
    /// `READY` when re-registering, so a master learns what already runs).
    case running(type: String, count: Int)
    /// Extension: liveness, both ways between master and worker.
    case heartbeat
    /// Extension: the message counts of the worker's nodes, by type, since
    /// the worker started; sent with every heartbeat.
    case nodeMetrics([NodeMetrics])

    // Master → worker.
    case startNode(type: String, recipe: [UInt8])
    case shutdown
    case completeTask(type: String)
    /// Extension: the master does not know this worker; it must send `READY`
    /// (and `RUNNING`) again.
    case reRegister

    // Node → worker.
    case nodeTaskCompleted(type: String, nodeID: String)
    /// Extension: the node stopped on an error.
    case nodeFailed(type: String, nodeID: String, reason: String)
    /// Extension: the node stopped because it was asked to.
    case nodeStopped(type: String, nodeID: String)
}

/// Reasons `START-NODE-FAILURE` gives, as categories.
public enum StartNodeFailureCategory {
    /// The recipe bytes could not be turned into a node.
    public static let recipeBuild = "recipe build"
    /// The worker's executable has no code for this node type.
    public static let unknownType = "worker cannot handle recipe type"
}
