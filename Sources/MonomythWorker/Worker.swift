import CZeroMQ
import Foundation
import MonomythCore
import MonomythMMOP
import MonomythRuntime
import MonomythZeroMQ
import Synchronization

/// A worker: starts and stops node threads as its master says.
///
/// On its own thread it holds a DEALER to the master (routing id = ``id``)
/// and a PULL socket its nodes PUSH to when they end. It knows the node code
/// of `pipeline` (compiled into this executable); a recipe of any other type
/// is refused with `START-NODE-FAILURE`.
public final class Worker: Sendable {
    public let id: String
    private let service: ServiceThread
    private let started = Guarded<[NodeInstance]>([])
    private let wakeup: ZMQWakeup

    /// The longest the loop waits for a message, which bounds how late a
    /// heartbeat goes out (``stop()`` wakes the loop at once).
    static let tick: Duration = .milliseconds(100)

    /// The longest a shutdown waits for nodes to finish their batch in hand.
    public static let shutdownGrace: Duration = .seconds(30)

    /// Connects to the master at `master`, sends `READY` and starts serving.
    ///
    /// Workers heartbeat the master every `liveness.interval`; one that hears
    /// nothing from its master for `liveness.timeout` reconnects and
    /// registers again (`READY`, then `RUNNING` for the nodes it runs).
    /// `nodePollInterval` is the longest a node's pull waits
    /// (``NodeInstance``), which bounds how late it sees a stop or completion.
    public init(
        id: String = Worker.newID(), pipeline: Pipeline, stream: any DataStream, master: String, context: ZMQContext,
        liveness: Liveness = Liveness(), nodePollInterval: Duration = .milliseconds(100)
    ) throws {
        self.id = id
        let started = self.started
        let wakeup = ZMQWakeup(context: context)
        self.wakeup = wakeup
        service = try ServiceThread.start(name: id) { service in
            var loop = try WorkerLoop(
                id: id, pipeline: pipeline, stream: stream, master: master, context: context, started: started,
                liveness: liveness, nodePollInterval: nodePollInterval, wake: try wakeup.listen())
            defer { loop.close() }
            service.ready()
            try loop.run(until: { service.isStopRequested })
        }
    }

    /// A fresh worker id, `monomyth-worker-<8 hex digits>`.
    public static func newID() -> String {
        "monomyth-worker-" + UUID().uuidString.lowercased().prefix(8)
    }

    /// Every node instance this worker started, running or ended.
    public var nodes: [NodeInstance] { started.current }

    /// Stops every node after its batch in hand, closes the sockets, and
    /// returns once all that is done (as `SHUTDOWN` does).
    public func stop() {
        service.requestStop()
        wakeup.wake()
        service.join()
    }

    /// Waits until the worker has shut down (after `SHUTDOWN`, or ``stop()``).
    @discardableResult
    public func join(timeout: Duration? = nil) -> Bool { service.join(timeout: timeout) }
}

/// The worker's sockets and node table; lives on the worker's thread.
private struct WorkerLoop {
    let id: String
    let pipeline: Pipeline
    let stream: any DataStream
    let context: ZMQContext
    let started: Guarded<[NodeInstance]>
    let master: String
    let liveness: Liveness
    let nodePollInterval: Duration
    var dealer: ZMQSocket
    let pull: ZMQSocket
    /// Readable when ``Worker/stop()`` wants the loop to look up.
    let wake: ZMQSocket
    let nodeEndpoint: String
    var lastHeard = ContinuousClock.now
    var nodes: [String: NodeInstance] = [:]
    var completing: Set<String> = []
    var shutdownDeadline: Date?

    init(
        id: String, pipeline: Pipeline, stream: any DataStream, master: String, context: ZMQContext,
        started: Guarded<[NodeInstance]>, liveness: Liveness, nodePollInterval: Duration, wake: ZMQSocket
    ) throws {
        self.id = id
        self.wake = wake
        self.nodePollInterval = nodePollInterval
        self.master = master
        self.liveness = liveness
        self.pipeline = pipeline
        self.stream = stream
        self.context = context
        self.started = started
        nodeEndpoint = "inproc://monomyth-nodes-\(id)"
        pull = try ZMQSocket(context, .pull)
        try pull.bind(nodeEndpoint)
        dealer = try Self.connect(to: master, as: id, context: context)
    }

    private static func connect(to master: String, as id: String, context: ZMQContext) throws(ZMQError) -> ZMQSocket {
        let dealer = try ZMQSocket(context, .dealer)
        try dealer.setRoutingID(id)
        try dealer.connect(master)
        return dealer
    }

    func close() {
        dealer.close()
        pull.close()
        wake.close()
    }

    mutating func run(until stopRequested: () -> Bool) throws {
        register()
        Log.info("ready", from: id)
        var nextBeat = ContinuousClock.now + liveness.interval
        while true {
            if stopRequested() && shutdownDeadline == nil { beginShutdown() }
            if let deadline = shutdownDeadline {
                if nodes.isEmpty { break }
                if Date() > deadline {
                    Log.error("\(nodes.count) nodes did not stop within \(Worker.shutdownGrace); leaving them", from: id)
                    break
                }
            }
            let readable: [Bool]
            do {
                readable = try ZMQSocket.poll([dealer, pull, wake], timeout: Worker.tick)
                if readable[2] { ZMQWakeup.drain(wake) }
                if readable[0] { handleMaster(try dealer.receive()) }
                if readable[1] { handleNode(try pull.receive()) }
            } catch {
                if error.isTerminated { return }
                throw error
            }
            let now = ContinuousClock.now
            if now >= nextBeat {
                nextBeat = now + liveness.interval
                send(.heartbeat)
                send(.nodeMetrics(metrics))
            }
            if now - lastHeard > liveness.timeout && shutdownDeadline == nil {
                Log.warning("no word from the master for \(liveness.timeout); reconnecting", from: id)
                try reconnect()
            }
        }
        Log.info("shut down", from: id)
    }

    /// Replaces the DEALER (dropping what it queued for the old connection)
    /// and registers again.
    private mutating func reconnect() throws(ZMQError) {
        dealer.close()
        dealer = try Self.connect(to: master, as: id, context: context)
        lastHeard = .now
        register()
    }

    /// `READY`, then `RUNNING` for each node type this worker runs.
    private func register() {
        send(.ready)
        let counts = Dictionary(grouping: nodes.values, by: \.recipe.type).mapValues(\.count)
        for (type, count) in counts.sorted(by: { $0.key < $1.key }) { send(.running(type: type, count: count)) }
    }

    private mutating func beginShutdown() {
        shutdownDeadline = Date(timeIntervalSinceNow: Worker.shutdownGrace.timeInterval)
        for node in nodes.values { node.requestStop() }
    }

    private mutating func handleMaster(_ frames: [[UInt8]]) {
        let message: MMOPMessage
        do {
            message = try MMOPCodec.decode(frames)
        } catch {
            Log.warning("rejected a message from the master: \(error)", from: id)
            return
        }
        lastHeard = .now
        switch message {
        case .heartbeat:
            break
        case .reRegister:
            Log.info("the master asked this worker to register again", from: id)
            register()
        case .startNode(let type, let recipe):
            guard shutdownDeadline == nil else { return }
            startNode(type: type, recipeBytes: recipe)
        case .completeTask(let type):
            completing.insert(type)
            for node in nodes.values where node.recipe.type == type { node.requestCompletion() }
        case .shutdown:
            Log.info("shutting down at the master's request", from: id)
            if shutdownDeadline == nil { beginShutdown() }
        default:
            Log.warning("ignored unexpected \(message.command) from the master", from: id)
        }
    }

    private mutating func startNode(type: String, recipeBytes: [UInt8]) {
        guard let spec = pipeline.node(type: type) else {
            send(.startNodeFailure(
                type: type, category: StartNodeFailureCategory.unknownType,
                reason: "this executable has no node of type \(type)"))
            return
        }
        let recipe: Recipe
        do {
            recipe = try MMOPJSON.decode(Recipe.self, from: recipeBytes)
        } catch {
            send(.startNodeFailure(type: type, category: StartNodeFailureCategory.recipeBuild,
                                   reason: "the recipe is not valid recipe JSON: \(error)"))
            return
        }
        guard recipe.type == type else {
            send(.startNodeFailure(type: type, category: StartNodeFailureCategory.recipeBuild,
                                   reason: "the recipe is for type \(recipe.type), not \(type)"))
            return
        }
        let node = NodeInstance(
            id: NodeNumbering.next(for: type), recipe: recipe, spec: spec, stream: stream,
            pollInterval: nodePollInterval,
            onExit: { [context, nodeEndpoint] node, exit in
                WorkerLoop.report(exit, of: node, to: nodeEndpoint, context: context)
            })
        nodes[node.id] = node
        started.update { $0.append(node) }
        if completing.contains(type) { node.requestCompletion() }
        node.start()
        send(.startNodeSuccess(type: type))
    }

    private mutating func handleNode(_ frames: [[UInt8]]) {
        let message: MMOPMessage
        do {
            message = try MMOPCodec.decode(frames)
        } catch {
            Log.warning("rejected a message from a node: \(error)", from: id)
            return
        }
        switch message {
        case .nodeTaskCompleted(let type, let nodeID):
            guard nodes.removeValue(forKey: nodeID) != nil else { return }
            send(.nodeMetrics(metrics))
            send(.workerTaskCompleted(type: type))
        case .nodeFailed(let type, let nodeID, let reason):
            guard nodes.removeValue(forKey: nodeID) != nil else { return }
            send(.nodeMetrics(metrics))
            send(.nodeFailure(type: type, reason: reason))
        case .nodeStopped(_, let nodeID):
            nodes[nodeID] = nil
        default:
            Log.warning("ignored unexpected \(message.command) on the node socket", from: id)
        }
    }

    /// The counts of every node this worker started, by type: what
    /// `NODE-METRICS` carries (sent before an ending node is reported, so the
    /// master's counts are final when it hears of it).
    private var metrics: [NodeMetrics] {
        Dictionary(grouping: started.current, by: \.recipe.type).sorted { $0.key < $1.key }.map { type, nodes in
            nodes.reduce(NodeMetrics(type: type)) { sum, node in
                let counters = node.counters
                return sum.adding(NodeMetrics(
                    type: type, processed: counters.processed.load(ordering: .relaxed),
                    failed: counters.failed.load(ordering: .relaxed), dropped: counters.dropped.load(ordering: .relaxed),
                    batches: counters.batches.load(ordering: .relaxed),
                    batchSeconds: Double(counters.batchNanoseconds.load(ordering: .relaxed)) / 1e9))
            }
        }
    }

    private func send(_ message: MMOPMessage) {
        do {
            try dealer.send(MMOPCodec.encode(message))
        } catch {
            Log.error("could not send \(message.command) to the master: \(error)", from: id)
        }
    }

    /// Runs on the node's thread as it ends: tells the worker over PUSH.
    private static func report(_ exit: NodeExit, of node: NodeInstance, to endpoint: String, context: ZMQContext) {
        let message: MMOPMessage = switch exit {
        case .completed: .nodeTaskCompleted(type: node.recipe.type, nodeID: node.id)
        case .stopped: .nodeStopped(type: node.recipe.type, nodeID: node.id)
        case .failed(let reason): .nodeFailed(type: node.recipe.type, nodeID: node.id, reason: reason)
        }
        do {
            let push = try ZMQSocket(context, .push)
            defer { push.close() }
            // Long enough for the message to reach the worker after close.
            try push.setOption(ZMQ_LINGER, 2_000)
            try push.connect(endpoint)
            try push.send(MMOPCodec.encode(message))
        } catch {
            Log.error("could not tell the worker that it ended: \(error)", from: node.id)
        }
    }
}

/// Node ids unique in the process: `<TYPE>-<n>`, counting per type.
enum NodeNumbering {
    private static let numbers = Mutex<[String: Int]>([:])

    static func next(for type: String) -> String {
        let number = numbers.withLock { numbers in
            numbers[type, default: 0] += 1
            return numbers[type]!
        }
        return "\(type)-\(number)"
    }
}
