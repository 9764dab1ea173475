/// Chains pipeline components, checking at compile time that each node's
/// input type is the previous node's output type.
@resultBuilder
public enum PipelineBuilder {
    /// An empty block compiles so that ``Pipeline/graph()`` can explain the problem.
    public static func buildBlock() -> Chain<SourceStart, SinkEnd> { Chain(nodes: []) }

    public static func buildPartialBlock<C: PipelineComponent>(first: C) -> Chain<C.Input, C.Output> {
        Chain(nodes: first.nodes)
    }

    public static func buildPartialBlock<In, Mid, Next: PipelineComponent>(
        accumulated: Chain<In, Mid>, next: Next
    ) -> Chain<In, Next.Output> where Next.Input == Mid {
        Chain(nodes: accumulated.nodes + next.nodes)
    }
}

/// A named pipeline of nodes.
///
/// ```swift
/// let wordCount = Pipeline("word-count") {
///     Source("load-file", batchSize: 1) { try LineChunks(path: input) }
///     Stage("map-text", batchSize: 10) { (text: String) in WordCounts(text) }.instances(2)
///     Sink("store-counts", batchSize: 10) { try CountsStore(path: db) }
/// }
/// ```
///
/// A pipeline that does not begin with a ``Source`` pulls its first node's
/// input from an external queue: `START-to-<FIRST>`, or `startQueue` if given.
/// One that does not end with a ``Sink`` places its last node's output on
/// `<LAST>-to-END`, or `endQueue`. Building never fails; ``graph()`` checks
/// the pipeline and reports every problem at once.
public struct Pipeline: Sendable {
    public let name: String
    /// The nodes in chain order.
    public let nodes: [NodeSpec]
    public let startQueue: String?
    public let endQueue: String?

    public init<C: PipelineComponent>(
        _ name: String, startQueue: String? = nil, endQueue: String? = nil,
        @PipelineBuilder _ body: () -> C
    ) {
        self.init(name, nodes: body().nodes, startQueue: startQueue, endQueue: endQueue)
    }

    /// A pipeline of already-lowered nodes, in chain order.
    public init(_ name: String, nodes: [NodeSpec], startQueue: String? = nil, endQueue: String? = nil) {
        self.name = name
        self.nodes = nodes
        self.startQueue = startQueue
        self.endQueue = endQueue
    }

    /// The node whose type (upper-cased name) is `type`.
    public func node(type: String) -> NodeSpec? { nodes.first { $0.type == type } }

    /// Checks the pipeline and compiles it to its graph.
    public func graph() throws(PipelineValidationError) -> PipelineGraph {
        try PipelineGraph(compiling: self)
    }
}
