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
/// ``CompletionCascade``. Liveness: every message from a worker counts as a
/// sign of life; ``expireWorkers(silentSince:)`` forgets the silent ones and
/// places their nodes again on the others.
public struct MasterState: Sendable {
    public let graph: PipelineGraph
    private var workers: [WorkerRecord] = []
    private var lastSeen: [String: ContinuousClock.Instant] = [:]
    /// Nodes of lost workers waiting for a worker to be placed on.
    private var unplaced: [String] = []
    private var totals: [String: RecipeInfo.Counts] = [:]
    private var lastFailure: [String: String] = [:]
    /// The latest `NODE-METRICS` of each connected worker.
    private var workerMetrics: [String: [NodeMetrics]] = [:]
    /// What workers no longer connected had reported, by type.
    private var retiredMetrics: [String: NodeMetrics] = [:]
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

    /// Applies one message from `sender`, received at `now`; returns what to
    /// send, in order.
    public mutating func handle(
        _ message: MMOPMessage, from sender: String, at now: ContinuousClock.Instant = .now
    ) -> [Envelope] {
        let known = workers.contains { $0.id == sender }
        if known { lastSeen[sender] = now }
        if message.isWorkerReport && !known { return [Envelope(to: sender, .reRegister)] }
        switch message {
        case .ping:
            return [Envelope(to: sender, .pong)]
        case .recipeInfo:
            return [Envelope(to: sender, .jsonInfoResponse(String(decoding: MMOPJSON.encode(recipeInfo), as: UTF8.self)))]
        case .workerInfo:
            return [Envelope(to: sender, .jsonInfoResponse(String(decoding: MMOPJSON.encode(workerInfo), as: UTF8.self)))]
        case .metrics:
            return [Envelope(to: sender, .jsonInfoResponse(String(decoding: MMOPJSON.encode(nodeMetrics), as: UTF8.self)))]
        case .nodeMetrics(let metrics):
            workerMetrics[sender] = metrics
            return []
        case .startNodeRequest(let type):
            if isIdle && !totals.isEmpty && graph.recipe(type: type) != nil && !workers.isEmpty { beginJob() }
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
            lastSeen[sender] = now
            guard !known else { return [] }
            workers.append(WorkerRecord(id: sender))
            let waiting = unplaced
            unplaced = []
            return waiting.flatMap { startNode(type: $0, requester: nil) }
        case .heartbeat:
            return []
        case .running(let type, let count):
            guard graph.recipe(type: type) != nil, let index = workers.firstIndex(where: { $0.id == sender }) else {
                return []
            }
            let before = workers[index].running[type, default: 0]
            workers[index].running[type] = count
            if count > before { cascade.nodeStarted(type: type, count: count - before) }
            if count < before { cascade.nodeStopped(type: type, count: before - count) }
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
             .completeTask, .nodeTaskCompleted, .nodeFailed, .nodeStopped, .reRegister:
            return []
        }
    }

    /// Whether `message` from `sender` is one the master acts on; the master
    /// logs the others.
    public func accepts(_ message: MMOPMessage, from sender: String) -> Bool {
        switch message {
        case .ping, .recipeInfo, .workerInfo, .metrics, .startNodeRequest, .stopWorkerRequest, .completeTaskRequest,
             .ready, .startNodeSuccess, .startNodeFailure, .workerTaskCompleted, .nodeFailure, .running, .heartbeat,
             .nodeMetrics:
            true
        default:
            false
        }
    }

    /// Forgets a worker that can no longer be reached: its nodes no longer
    /// count. Returns the types of the nodes it hosted, one entry per node.
    @discardableResult
    public mutating func forgetWorker(_ id: String) -> [String] {
        guard let index = workers.firstIndex(where: { $0.id == id }) else { return [] }
        let worker = workers.remove(at: index)
        lastSeen[id] = nil
        for metrics in workerMetrics.removeValue(forKey: id) ?? [] {
            retiredMetrics[metrics.type] = retiredMetrics[metrics.type]?.adding(metrics) ?? metrics
        }
        var lost: [String] = []
        for (type, count) in worker.running.merging(worker.queued, uniquingKeysWith: +).sorted(by: { $0.key < $1.key }) {
            for _ in 0..<count {
                cascade.nodeStopped(type: type)
                lost.append(type)
            }
        }
        return lost
    }

    /// The ids of the workers not heard from since `deadline`.
    public func silentWorkers(since deadline: ContinuousClock.Instant) -> [String] {
        workers.map(\.id).filter { id in lastSeen[id].map { $0 < deadline } ?? true }
    }

    /// Forgets every worker not heard from since `deadline` and places the
    /// nodes they hosted on the others (or on the next worker to register,
    /// if none is left). Returns the `START-NODE`s to send.
    public mutating func expireWorkers(silentSince deadline: ContinuousClock.Instant) -> [Envelope] {
        placeAgain(silentWorkers(since: deadline).flatMap { forgetWorker($0) })
    }

    /// Places one node of each type in `types` (nodes of a lost worker);
    /// those with no worker to go to wait for the next one to register.
    public mutating func placeAgain(_ types: [String]) -> [Envelope] {
        types.flatMap { startNode(type: $0, requester: nil) }
    }

    /// No node runs, is starting, or waits to be placed: a job is over (or
    /// none has begun).
    private var isIdle: Bool { unplaced.isEmpty && workers.allSatisfy { $0.totalLoad == 0 } }

    /// A start request that the master can carry out, on an idle master that
    /// has seen nodes end, begins a new job: completions and failures of the
    /// last one no longer count. A refused request changes nothing.
    private mutating func beginJob() {
        cascade = CompletionCascade(graph: graph)
        totals = [:]
        lastFailure = [:]
    }

    /// A `HEARTBEAT` for every connected worker.
    public var heartbeats: [Envelope] { workers.map { Envelope(to: $0.id, .heartbeat) } }

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

    /// Message counts of every recipe, in pipeline order, summed over the
    /// workers' latest reports and those of workers gone.
    public var nodeMetrics: [NodeMetrics] {
        graph.recipes.map { recipe in
            workerMetrics.values.joined().filter { $0.type == recipe.type }
                .reduce(retiredMetrics[recipe.type] ?? NodeMetrics(type: recipe.type)) { $0.adding($1) }
        }
    }

    // MARK: - Rules

    /// Places one node of `type`. `requester` gets the answer; without one
    /// (a node being placed again), a node with no worker to go to waits
    /// for the next worker to register.
    private mutating func startNode(type: String, requester: String?) -> [Envelope] {
        guard let recipe = graph.recipe(type: type) else {
            return requester.map {
                [Envelope(to: $0, .startNodeRequestFailure(reason: "unknown recipe type: \(type)", statusCode: 400))]
            } ?? []
        }
        guard let index = placement(for: type) else {
            guard let requester else {
                unplaced.append(type)
                return []
            }
            return [Envelope(to: requester, .startNodeRequestFailure(reason: "no worker is connected", statusCode: 503))]
        }
        workers[index].queued[type, default: 0] += 1
        cascade.nodeStarted(type: type)
        let worker = workers[index].id
        var envelopes = [Envelope(to: worker, .startNode(type: type, recipe: MMOPJSON.recipeBytes(recipe)))]
        if cascade.completing.contains(type) {
            envelopes.append(Envelope(to: worker, .completeTask(type: type)))
        }
        if let requester { envelopes.append(Envelope(to: requester, .startNodeRequestSuccess)) }
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

extension MMOPMessage {
    /// Sent by a worker that must be registered with the master.
    fileprivate var isWorkerReport: Bool {
        switch self {
        case .startNodeSuccess, .startNodeFailure, .workerTaskCompleted, .nodeFailure, .running, .heartbeat, .nodeMetrics:
            true
        default: false
        }
    }
}
