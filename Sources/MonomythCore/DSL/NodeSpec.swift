/// What kind of work a node does.
public enum NodeKind: String, Sendable, Codable, Equatable {
    /// Pulls nothing; produces items until its generator says it is finished.
    case source
    /// Pulls a batch, transforms each item, places the results.
    case stage
    /// Pulls a batch and consumes each item; places nothing.
    case sink
}

/// The untyped description of one node, as the DSL records it.
///
/// The typed surface (``Source``, ``Stage``, ``Sink``) lowers to this; the
/// graph and the runtime work on it. `makeBody` is called on the node's own
/// thread, once per node instance, so state it creates lives on that thread.
public struct NodeSpec: Sendable {
    /// The user's name for the node, e.g. `map-text`.
    public var name: String
    public var kind: NodeKind
    /// The most messages the node pulls (or a source produces) per batch.
    public var batchSize: Int
    /// How many instances (threads) of the node run.
    public var instances: Int
    package var startHooks: [@Sendable () throws -> Void] = []
    package var stopHooks: [@Sendable () throws -> Void] = []
    package let makeWork: @Sendable (_ type: String) throws -> NodeWork

    package init(
        name: String, kind: NodeKind, batchSize: Int,
        makeWork: @escaping @Sendable (_ type: String) throws -> NodeWork
    ) {
        self.name = name
        self.kind = kind
        self.batchSize = batchSize
        self.instances = 1
        self.makeWork = makeWork
    }

    /// The node's type: its name upper-cased (`map-text` → `MAP-TEXT`).
    public var type: String { NodeType.of(name: name) }

    /// Builds the node's code for one instance. Runs the start hooks last, so
    /// a hook that throws leaves nothing connected.
    package func makeBody() throws -> NodeBody {
        let work = try makeWork(type)
        for hook in startHooks { try hook() }
        try work.start()
        let stopHooks = self.stopHooks
        return NodeBody(work: work, stopHooks: stopHooks)
    }
}

/// Node names and the types derived from them.
public enum NodeType {
    /// `map-text` → `MAP-TEXT`.
    public static func of(name: String) -> String { name.uppercased() }
}
