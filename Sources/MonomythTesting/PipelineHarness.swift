import Foundation
@_exported import Monomyth
import Synchronization

/// Runs a pipeline, or a single node, inside a test: feed it items, run it
/// to completion, and read what landed on every queue, fail queues included.
///
/// ```swift
/// let harness = try PipelineHarness(Stage("shout") { (text: String) in text.uppercased() })
/// try harness.push(["a", "b"], into: "shout")
/// try await harness.run()
/// #expect(try harness.items(on: "SHOUT-to-END", as: String.self) == ["A", "B"])
/// ```
///
/// Everything runs on an ``InMemoryDataStream`` that lives as long as the
/// harness. Nothing consumes a pipeline's end queue or its fail queues, so
/// what the pipeline placed there stays readable after the run.
public final class PipelineHarness: Sendable {
    public let pipeline: Pipeline
    public let graph: PipelineGraph
    public let stream = InMemoryDataStream()
    private let pushed = Mutex(0)

    public init(_ pipeline: Pipeline) throws(PipelineValidationError) {
        self.pipeline = pipeline
        self.graph = try pipeline.graph()
    }

    /// A harness for one node on its own: it pulls from `START-to-<TYPE>` and
    /// (unless it is a sink) places on `<TYPE>-to-END`.
    public convenience init<Node: NodeComponent>(_ node: Node) throws(PipelineValidationError) {
        try self.init(Pipeline("test-\(node.spec.name)", nodes: node.nodes))
    }

    /// Places `items` on the source queue of the node named `node`, each with
    /// the id `test:<n>` (counting across pushes).
    public func push<Item: Encodable>(_ items: [Item], into node: String) throws {
        guard let recipe = graph.recipe(type: NodeType.of(name: node)) else {
            throw HarnessError.unknownNode(node, known: graph.recipes.map(\.type))
        }
        guard let queue = recipe.sourceQueue else { throw HarnessError.sourceHasNoInput(node) }
        try push(items, onto: queue)
    }

    /// Places `items` on `queue`, each with the id `test:<n>`.
    public func push<Item: Encodable>(_ items: [Item], onto queue: String) throws {
        let codec = PayloadCodec()
        let bodies = try items.map { try codec.encode($0) }
        try push(bodies: bodies, onto: queue)
    }

    /// Places raw message bodies on `queue`, as an outside producer would.
    public func push(bodies: [[UInt8]], onto queue: String) throws {
        let first = pushed.withLock { count in
            defer { count += bodies.count }
            return count
        }
        let messages = bodies.enumerated().map { offset, body in
            Outgoing(queue: queue, message: Message(id: "test:\(first + offset)", body: body))
        }
        let connection = try stream.connect()
        defer { connection.close() }
        try connection.publish(messages)
    }

    /// Runs the pipeline until its bounded job completes: sources run out,
    /// nodes fed from outside drain what was pushed, and completion cascades
    /// to the end. Throws ``RunError`` if a node fails or time runs out; every
    /// node thread has ended when this returns or throws.
    @discardableResult
    public func run(timeout: Duration = .seconds(30)) async throws -> RunReport {
        let run = try LocalRun(pipeline, stream: stream)
        try run.start()
        run.finish()
        let timer = Task {
            try await Task.sleep(for: timeout)
            run.stop()
        }
        defer { timer.cancel() }
        do {
            return try await run.completion()
        } catch RunError.stopped where !timer.isCancelled {
            throw RunError.timedOut(timeout)
        }
    }

    /// The messages waiting on `queue`, oldest first.
    public func messages(on queue: String) -> [Message] { stream.messages(on: queue) }

    /// The messages on `queue`, decoded as `Item`.
    public func items<Item: Decodable>(on queue: String, as type: Item.Type) throws -> [Item] {
        let codec = PayloadCodec()
        return try messages(on: queue).map { try codec.decode(type, from: $0.body) }
    }

    /// The messages the node named `node` sent to its fail queue.
    public func failures(of node: String) -> [Message] {
        messages(on: QueueName.fail(of: NodeType.of(name: node)))
    }
}

/// A harness call that named something the pipeline does not have.
public enum HarnessError: Error, Equatable, CustomStringConvertible {
    case unknownNode(String, known: [String])
    case sourceHasNoInput(String)

    public var description: String {
        switch self {
        case .unknownNode(let name, let known):
            "the pipeline has no node named \"\(name)\" (its node types: \(known.joined(separator: ", ")))"
        case .sourceHasNoInput(let name):
            "node \"\(name)\" is a source: it pulls nothing, so nothing can be pushed into it"
        }
    }
}
