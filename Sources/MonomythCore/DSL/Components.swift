/// Something a ``PipelineBuilder`` block holds: one node, or a chain of them.
///
/// `Input` and `Output` are the item types at the two ends; the builder chains
/// two components only when the first one's `Output` is the next one's `Input`.
public protocol PipelineComponent<Input, Output>: Sendable {
    associatedtype Input
    associatedtype Output
    /// The nodes, in chain order.
    var nodes: [NodeSpec] { get }
}

/// The input type of a ``Source``: nothing comes before it.
public enum SourceStart {}
/// The output type of a ``Sink``: nothing comes after it.
public enum SinkEnd {}

/// A chain of nodes built by ``PipelineBuilder``.
public struct Chain<Input, Output>: PipelineComponent {
    public let nodes: [NodeSpec]
}

/// One node of the DSL. Its modifiers return a changed copy.
public protocol NodeComponent: PipelineComponent {
    var spec: NodeSpec { get set }
}

extension NodeComponent {
    public var nodes: [NodeSpec] { [spec] }

    /// Runs `count` instances of this node, each on its own thread.
    public func instances(_ count: Int) -> Self {
        var copy = self
        copy.spec.instances = count
        return copy
    }

    /// Runs `hook` on each instance's thread before it connects to any stream.
    /// Throwing stops the node from starting, with that error.
    public func onStart(_ hook: @escaping @Sendable () throws -> Void) -> Self {
        var copy = self
        copy.spec.startHooks.append(hook)
        return copy
    }

    /// Runs `hook` on each instance's thread after it has disconnected.
    public func onStop(_ hook: @escaping @Sendable () throws -> Void) -> Self {
        var copy = self
        copy.spec.stopHooks.append(hook)
        return copy
    }
}

/// A node that pulls nothing and produces items until its generator is done.
///
/// ```swift
/// Source("load-file", batchSize: 1) { try LineChunks(path: input, linesPerItem: 10) }
/// ```
public struct Source<Output: Codable>: NodeComponent {
    public typealias Input = SourceStart
    public var spec: NodeSpec

    /// A source whose state `make` builds on the node's thread.
    public init<G: SourceGenerator>(
        _ name: String, batchSize: Int = 10, _ make: @escaping @Sendable () throws -> G
    ) where G.Item == Output {
        spec = NodeSpec(name: name, kind: .source, batchSize: batchSize) { type in
            try NodeWork.source(type: type, make)
        }
    }

    /// A source that produces `items` in order; the key of each is its index.
    public init(_ name: String, batchSize: Int = 10, items: [Output]) where Output: Sendable {
        self.init(name, batchSize: batchSize) { ArrayGenerator(items: items) }
    }
}

/// Produces the elements of an array, keyed by index.
public struct ArrayGenerator<Item: Codable>: SourceGenerator {
    private let items: [Item]
    private var index = 0

    public init(items: [Item]) { self.items = items }

    public mutating func next() -> Produced<Item>? {
        guard index < items.count else { return nil }
        defer { index += 1 }
        return Produced(key: String(index), item: items[index])
    }
}

/// A node that pulls a batch, transforms each item and places the results.
///
/// ```swift
/// Stage("map-text", batchSize: 10) { (text: String) in WordCounts(text) }
/// ```
/// Annotate the closure's parameter: Swift does not infer it from the
/// previous node.
public struct Stage<Input: Codable & SendableMetatype, Output: Codable & SendableMetatype>: NodeComponent {
    public var spec: NodeSpec

    /// A stateless stage.
    public init(
        _ name: String, batchSize: Int = 10, _ transform: @escaping @Sendable (Input) throws -> Output
    ) {
        self.init(name, batchSize: batchSize) { ClosureTransformer(transform: transform) }
    }

    /// A stage whose state `make` builds on the node's thread.
    public init<T: StageTransformer>(
        _ name: String, batchSize: Int = 10, _ make: @escaping @Sendable () throws -> T
    ) where T.Input == Input, T.Output == Output {
        spec = NodeSpec(name: name, kind: .stage, batchSize: batchSize) { _ in try NodeWork.stage(make) }
    }
}

/// A node that pulls a batch and consumes each item.
///
/// ```swift
/// Sink("store-counts", batchSize: 10) { try CountsStore(path: "counts.sqlite") }
/// ```
public struct Sink<Input: Codable & SendableMetatype>: NodeComponent {
    public typealias Output = SinkEnd
    public var spec: NodeSpec

    /// A stateless sink.
    public init(_ name: String, batchSize: Int = 10, _ consume: @escaping @Sendable (Input) throws -> Void) {
        self.init(name, batchSize: batchSize) { ClosureConsumer(consume: consume) }
    }

    /// A sink whose state `make` builds on the node's thread.
    public init<C: SinkConsumer>(
        _ name: String, batchSize: Int = 10, _ make: @escaping @Sendable () throws -> C
    ) where C.Input == Input {
        spec = NodeSpec(name: name, kind: .sink, batchSize: batchSize) { _ in try NodeWork.sink(make) }
    }
}

struct ClosureTransformer<Input: Codable, Output: Codable>: StageTransformer {
    let transform: @Sendable (Input) throws -> Output
    func transform(_ input: Input, id: String) throws -> Output { try transform(input) }
}

struct ClosureConsumer<Input: Codable>: SinkConsumer {
    let consume: @Sendable (Input) throws -> Void
    func consume(_ input: Input, id: String) throws { try consume(input) }
}
