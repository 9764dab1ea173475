import MonomythCore
import MonomythMMOP

/// What one worker runs, as the planner sees it.
public struct WorkerLoad: Equatable, Sendable {
    public var id: String
    /// Nodes placed on the worker (running or starting), by node type.
    public var nodes: [String: Int]

    public init(id: String, nodes: [String: Int] = [:]) {
        self.id = id
        self.nodes = nodes
    }

    /// The load a master reports for one worker in `WORKER-INFO`.
    public init(_ info: WorkerInfo) {
        self.init(id: info.workerID, nodes: Dictionary(info.nodes.map { ($0.recipeName, $0.nodeCount) }, uniquingKeysWith: +))
    }

    var total: Int { nodes.values.reduce(0, +) }
}

/// One node to start: `START-NODE <type> <recipe-bytes>` sent to `worker`.
public struct PlannedStart: Equatable, Sendable {
    public var worker: String
    /// The recipe, its `instances` set to the desired count.
    public var recipe: Recipe

    public init(worker: String, recipe: Recipe) {
        self.worker = worker
        self.recipe = recipe
    }

    /// The MMOP message that starts the node.
    public var message: MMOPMessage { .startNode(type: recipe.type, recipe: MMOPJSON.recipeBytes(recipe)) }

    /// `<worker> START-NODE <type> <recipe JSON>`: the command as one line of text.
    public var line: String {
        "\(worker) START-NODE \(recipe.type) \(String(decoding: MMOPJSON.recipeBytes(recipe), as: UTF8.self))"
    }
}

/// Why a plan cannot be made.
public enum PlanError: Error, Equatable, CustomStringConvertible {
    /// No worker to place nodes on.
    case noWorkers
    /// An instance count names a node type the pipeline does not have.
    case unknownNodeType(String, known: [String])
    /// An instance count below 1.
    case invalidInstanceCount(type: String, count: Int)
    /// The graph's node types depend on each other in a circle.
    case cycle([String])

    public var description: String {
        switch self {
        case .noWorkers: "no worker to place nodes on: start a worker first"
        case .unknownNodeType(let type, let known):
            "the pipeline has no node type \(type); its node types are \(known.joined(separator: ", "))"
        case .invalidInstanceCount(let type, let count): "\(type) needs at least 1 instance, not \(count)"
        case .cycle(let types): "the pipeline's node types form a cycle: \(types.joined(separator: ", "))"
        }
    }
}

/// Plans the node starts that realise a pipeline on a set of workers.
///
/// Pure and deterministic: the same graph, instance counts and workers
/// always give the same plan.
public enum Planner {
    /// The `START-NODE` commands that bring every node type of `graph` to its
    /// desired instance count, in the order to send them.
    ///
    /// - Types come consumers first: a type is planned only after every type
    ///   consuming its output, so nothing is placed on a queue before its
    ///   reader runs. Ties go to the type later in pipeline order.
    /// - Each type gets the instances it is missing: its desired count
    ///   (`instances[type]`, else the recipe's) minus what `workers` already
    ///   run of it.
    /// - Each instance goes to the worker MMOP's rule picks: fewest nodes of
    ///   the type, then fewest in all, then earliest in `workers` (which is
    ///   registration order); each placement counts for the next.
    public static func plan(
        _ graph: PipelineGraph, instances: [String: Int] = [:], workers: [WorkerLoad]
    ) throws(PlanError) -> [PlannedStart] {
        let types = graph.recipes.map(\.type)
        for (type, count) in instances.sorted(by: { $0.key < $1.key }) {
            guard types.contains(type) else { throw .unknownNodeType(type, known: types) }
            guard count >= 1 else { throw .invalidInstanceCount(type: type, count: count) }
        }
        guard !workers.isEmpty else { throw .noWorkers }
        var loads = workers
        var plan: [PlannedStart] = []
        for var recipe in try consumersFirst(graph) {
            recipe.instances = instances[recipe.type] ?? recipe.instances
            let running = loads.reduce(0) { $0 + $1.nodes[recipe.type, default: 0] }
            for _ in 0..<max(0, recipe.instances - running) {
                let index = loads.indices.min { a, b in
                    (loads[a].nodes[recipe.type, default: 0], loads[a].total, a)
                        < (loads[b].nodes[recipe.type, default: 0], loads[b].total, b)
                }!
                loads[index].nodes[recipe.type, default: 0] += 1
                plan.append(PlannedStart(worker: loads[index].id, recipe: recipe))
            }
        }
        return plan
    }

    /// The recipes in reverse topological order of the producer → consumer
    /// edges; among types whose consumers are all listed, the later in
    /// pipeline order comes first.
    static func consumersFirst(_ graph: PipelineGraph) throws(PlanError) -> [Recipe] {
        var pending = graph.recipes
        var ordered: [Recipe] = []
        while !pending.isEmpty {
            let listed = Set(ordered.map(\.type))
            guard let index = pending.lastIndex(where: { $0.dependents.allSatisfy(listed.contains) }) else {
                throw .cycle(pending.map(\.type))
            }
            ordered.append(pending.remove(at: index))
        }
        return ordered
    }
}
