/// Everything a worker needs to build one node: what MMOP calls a recipe.
public struct Recipe: Sendable, Codable, Equatable, Hashable {
    /// The node's type: its upper-cased name, e.g. `MAP-TEXT`.
    public var type: String
    public var kind: NodeKind
    public var batchSize: Int
    /// The desired number of instances.
    public var instances: Int
    /// The queue the node pulls from; `nil` for a source.
    public var sourceQueue: String?
    /// The queues the node places each output on; empty for a sink.
    public var destinationQueues: [String]
    /// Where messages the node could not process go: `<TYPE>-fail`.
    public var failQueue: String
    /// The node types that consume this node's output.
    public var dependents: [String]

    public init(
        type: String, kind: NodeKind, batchSize: Int, instances: Int, sourceQueue: String?,
        destinationQueues: [String], failQueue: String, dependents: [String]
    ) {
        self.type = type
        self.kind = kind
        self.batchSize = batchSize
        self.instances = instances
        self.sourceQueue = sourceQueue
        self.destinationQueues = destinationQueues
        self.failQueue = failQueue
        self.dependents = dependents
    }

    enum CodingKeys: String, CodingKey {
        case type, kind, instances, dependents
        case batchSize = "batch_size"
        case sourceQueue = "source_queue"
        case destinationQueues = "destination_queues"
        case failQueue = "fail_queue"
    }
}

/// A queue of the pipeline and the node types on either side of it.
public struct QueueInfo: Sendable, Codable, Equatable {
    public enum Role: String, Sendable, Codable {
        /// Fed from outside the pipeline (`START-to-<FIRST>` or a named queue).
        case start
        /// Between two nodes (`<A>-to-<B>`).
        case link
        /// Read from outside the pipeline (`<LAST>-to-END` or a named queue).
        case end
        /// Where one node's failed messages go (`<TYPE>-fail`).
        case fail
    }

    public var name: String
    public var role: Role
    /// Node types that place on the queue.
    public var producers: [String]
    /// Node types that pull from the queue.
    public var consumers: [String]

    public init(name: String, role: Role, producers: [String], consumers: [String]) {
        self.name = name
        self.role = role
        self.producers = producers
        self.consumers = consumers
    }
}

/// A pipeline compiled to a plain, inspectable value: a directed graph of
/// node recipes and the queues between them.
///
/// A node pulls from at most one queue and may place on several; a queue may
/// have several producers. The DSL builds chains today; the graph does not
/// assume one.
public struct PipelineGraph: Sendable, Codable, Equatable {
    public var name: String
    /// Recipes in pipeline order.
    public var recipes: [Recipe]
    /// Queues in the order they first appear: start, links, end, then fail queues.
    public var queues: [QueueInfo]

    public init(name: String, recipes: [Recipe], queues: [QueueInfo]) {
        self.name = name
        self.recipes = recipes
        self.queues = queues
    }

    public func recipe(type: String) -> Recipe? { recipes.first { $0.type == type } }
    public func queue(named name: String) -> QueueInfo? { queues.first { $0.name == name } }

    /// The node types that place on `type`'s source queue; empty when that
    /// queue is fed from outside or the node is a source.
    public func producers(of type: String) -> [String] {
        guard let source = recipe(type: type)?.sourceQueue else { return [] }
        return queue(named: source)?.producers ?? []
    }
}

/// Queue names, as in the original system.
public enum QueueName {
    public static func link(from producer: String, to consumer: String) -> String { "\(producer)-to-\(consumer)" }
    public static func start(to first: String) -> String { "START-to-\(first)" }
    public static func end(from last: String) -> String { "\(last)-to-END" }
    public static func fail(of type: String) -> String { "\(type)-fail" }
}

extension PipelineGraph {
    /// Compiles a chain pipeline. Throws every problem found, not just the first.
    init(compiling pipeline: Pipeline) throws(PipelineValidationError) {
        let problems = PipelineValidator.problems(in: pipeline)
        guard problems.isEmpty else { throw PipelineValidationError(pipeline: pipeline.name, problems: problems) }

        let types = pipeline.nodes.map(\.type)
        var queues: [QueueInfo] = []
        var recipes: [Recipe] = []
        for (index, node) in pipeline.nodes.enumerated() {
            let type = types[index]
            var source: String?
            if index > 0 {
                source = QueueName.link(from: types[index - 1], to: type)
            } else if node.kind != .source {
                let name = pipeline.startQueue ?? QueueName.start(to: type)
                queues.append(QueueInfo(name: name, role: .start, producers: [], consumers: [type]))
                source = name
            }
            var destinations: [String] = []
            if index + 1 < types.count {
                let name = QueueName.link(from: type, to: types[index + 1])
                queues.append(QueueInfo(name: name, role: .link, producers: [type], consumers: [types[index + 1]]))
                destinations = [name]
            } else if node.kind != .sink {
                let name = pipeline.endQueue ?? QueueName.end(from: type)
                queues.append(QueueInfo(name: name, role: .end, producers: [type], consumers: []))
                destinations = [name]
            }
            recipes.append(Recipe(
                type: type, kind: node.kind, batchSize: node.batchSize, instances: node.instances,
                sourceQueue: source, destinationQueues: destinations, failQueue: QueueName.fail(of: type),
                dependents: []))
        }
        for index in recipes.indices {
            recipes[index].dependents = recipes[index].destinationQueues.flatMap { name in
                queues.first { $0.name == name }?.consumers ?? []
            }
        }
        queues += recipes.map { QueueInfo(name: $0.failQueue, role: .fail, producers: [$0.type], consumers: []) }
        self.init(name: pipeline.name, recipes: recipes, queues: queues)
    }
}
