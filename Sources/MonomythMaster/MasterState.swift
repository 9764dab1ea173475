import MonomythCore
import MonomythMMOP

/// A message the master sends, and to whom (a routing id).
public struct Envelope: Equatable, Sendable {
    public var to: String
    public var message: MMOPMessage

    public init(to: String, _ message: MMOPMessage) {
        self.to = to
        self.message = message
    }
}

/// Everything the master knows, and its rules, without a socket: each
/// incoming message gives the messages to send back.
///
/// Placement follows MMOP's rule: among connected workers, those with the
/// fewest nodes (running + queued) of the requested type, then the fewest of
/// all types, then the earliest registered. Completion follows
/// ``CompletionCascade``.
public struct MasterState: Sendable {
    public let graph: PipelineGraph
    private var workers: [WorkerRecord] = []
    private var totals: [String: RecipeInfo.Counts] = [:]
    private var lastFailure: [String: String] = [:]
    private var cascade: CompletionCascade

    struct WorkerRecord: Sendable {
        let id: String
        var running: [String: Int] = [:]
        var queued: [String: Int] = [:]

        func load(of type: String) -> Int { running[type, default: 0] + queued[type, default: 0] }
        var totalLoad: Int { running.values.reduce(0, +) + queued.values.reduce(0, +) }
    }

    public init(graph: PipelineGraph) {
        self.graph = graph
        self.cascade = CompletionCascade(graph: graph)
    }

    /// The ids of the connected workers, in registration order.
    public var workerIDs: [String] { workers.map(\.id) }

    /// Applies one message from `sender`; returns what to send, in order.
    public mutating func handle(_ message: MMOPMessage, from sender: String) -> [Envelope] {
        switch message {
        case .ping:
            return [Envelope(to: sender, .pong)]
        case .recipeInfo:
            return [Envelope(to: sender, .jsonInfoResponse(String(decoding: MMOPJSON.encode(recipeInfo), as: UTF8.self)))]
        case .workerInfo:
            return [Envelope(to: sender, .jsonInfoResponse(String(decoding: MMOPJSON.encode(workerInfo), as: UTF8.self)))]
        case .startNodeRequest(let type):
            return startNode(type: type, requester: sender)
        case .stopWorkerRequest(let id):
            guard workers.contains(where: { $0.id == id }) else {
                return [Envelope(to: sender, .stopWorkerRequestFailure(reason: "unknown worker id: \(id)", statusCode: 400))]
            }
            forgetWorker(id)
            return [Envelope(to: id, .shutdown), Envelope(to: sender, .stopWorkerRequestSuccess)]
        case .completeTaskRequest(let type):
            guard graph.recipe(type: type) != nil else {
                return [Envelope(to: sender, .completeTaskRequestFailure(reason: "unknown recipe type: \(type)", statusCode: 400))]
            }
            return completeTask(cascade.requestCompletion(of: type)) + [Envelope(to: sender, .completeTaskRequestSuccess)]
        case .ready:
            if !workers.contains(where: { $0.id == sender }) { workers.append(WorkerRecord(id: sender)) }
            return []
        case .startNodeSuccess(let type):
            _ = moveQueued(type, on: sender, toRunning: true)
            return []
        case .startNodeFailure(let type, let category, let reason):
            guard moveQueued(type, on: sender, toRunning: false) else { return [] }
            recordFailure(of: type, reason: "\(category): \(reason)")
            cascade.nodeStopped(type: type)
            return []
        case .workerTaskCompleted(let type):
            guard removeRunning(type, on: sender) else { return [] }
            totals[type, default: .init()].completed += 1
            return completeTask(cascade.nodeCompleted(type: type))
        case .nodeFailure(let type, let reason):
            guard removeRunning(type, on: sender) else { return [] }
            recordFailure(of: type, reason: reason)
            cascade.nodeStopped(type: type)
            return []
        case .pong, .jsonInfoResponse, .startNodeRequestSuccess, .startNodeRequestFailure, .stopWorkerRequestSuccess,
             .stopWorkerRequestFailure, .completeTaskRequestSuccess, .completeTaskRequestFailure, .startNode, .shutdown,
             .completeTask, .nodeTaskCompleted, .nodeFailed, .nodeStopped:
            return []
        }
    }

    /// Whether `message` from `sender` is one the master acts on; the master
    /// logs the others.
    public func accepts(_ message: MMOPMessage, from sender: String) -> Bool {
        switch message {
        case .ping, .recipeInfo, .workerInfo, .startNodeRequest, .stopWorkerRequest, .completeTaskRequest, .ready:
            true
        case .startNodeSuccess, .startNodeFailure, .workerTaskCompleted, .nodeFailure:
            workers.contains { $0.id == sender }
        default:
            false
        }
    }

    /// Forgets a worker that can no longer be reached: its nodes no longer count.
    public mutating func forgetWorker(_ id: String) {
        guard let index = workers.firstIndex(where: { $0.id == id }) else { return }
        let worker = workers.remove(at: index)
        for (type, count) in worker.running.merging(worker.queued, uniquingKeysWith: +) {
            for _ in 0..<count { cascade.nodeStopped(type: type) }
        }
    }

    // MARK: - Answers

    public var recipeInfo: [RecipeInfo] {
        graph.recipes.map { recipe in
            var counts = totals[recipe.type] ?? .init()
            counts.running = workers.reduce(0) { $0 + $1.running[recipe.type, default: 0] }
            counts.queued = workers.reduce(0) { $0 + $1.queued[recipe.type, default: 0] }
            return RecipeInfo(type: recipe.type, counts: counts, lastFailure: lastFailure[recipe.type])
        }
    }

    public var workerInfo: [WorkerInfo] {
        workers.map { worker in
            WorkerInfo(workerID: worker.id, nodes: graph.recipes.compactMap { recipe in
                let count = worker.load(of: recipe.type)
                return count > 0 ? WorkerInfo.Nodes(recipeName: recipe.type, nodeCount: count) : nil
            })
        }
    }

    // MARK: - Rules

    private mutating func startNode(type: String, requester: String) -> [Envelope] {
        guard let recipe = graph.recipe(type: type) else {
            return [Envelope(to: requester, .startNodeRequestFailure(reason: "unknown recipe type: \(type)", statusCode: 400))]
        }
        guard let index = placement(for: type) else {
            return [Envelope(to: requester, .startNodeRequestFailure(reason: "no worker is connected", statusCode: 503))]
        }
        workers[index].queued[type, default: 0] += 1
        cascade.nodeStarted(type: type)
        let worker = workers[index].id
        var envelopes = [Envelope(to: worker, .startNode(type: type, recipe: MMOPJSON.recipeBytes(recipe)))]
        if cascade.completing.contains(type) {
            envelopes.append(Envelope(to: worker, .completeTask(type: type)))
        }
        envelopes.append(Envelope(to: requester, .startNodeRequestSuccess))
        return envelopes
    }

    /// The index of the worker MMOP's scheduling rule picks, if any.
    private func placement(for type: String) -> Int? {
        workers.indices.min { a, b in
            (workers[a].load(of: type), workers[a].totalLoad, a) < (workers[b].load(of: type), workers[b].totalLoad, b)
        }
    }

    private func completeTask(_ types: [String]) -> [Envelope] {
        types.flatMap { type in workers.map { Envelope(to: $0.id, .completeTask(type: type)) } }
    }

    private mutating func moveQueued(_ type: String, on worker: String, toRunning: Bool) -> Bool {
        guard let index = workers.firstIndex(where: { $0.id == worker }), workers[index].queued[type, default: 0] > 0 else {
            return false
        }
        workers[index].queued[type]! -= 1
        if toRunning { workers[index].running[type, default: 0] += 1 }
        return true
    }

    private mutating func removeRunning(_ type: String, on worker: String) -> Bool {
        guard let index = workers.firstIndex(where: { $0.id == worker }), workers[index].running[type, default: 0] > 0 else {
            return false
        }
        workers[index].running[type]! -= 1
        return true
    }

    private mutating func recordFailure(of type: String, reason: String) {
        totals[type, default: .init()].failed += 1
        lastFailure[type] = reason
    }
}
