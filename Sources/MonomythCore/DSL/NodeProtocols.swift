/// Start and stop hooks of a stateful node.
///
/// `start()` runs on the node's thread before the node connects to anything;
/// `stop()` runs there after it has disconnected. Both default to doing nothing.
/// The node's type must not be isolated to an actor: it is built and used
/// on the node's own thread (`SendableMetatype`).
public protocol NodeLifecycle: SendableMetatype {
    mutating func start() throws
    mutating func stop() throws
}

extension NodeLifecycle {
    public mutating func start() throws {}
    public mutating func stop() throws {}
}

/// One item a source produced, with a key that identifies it within the
/// source's input (a line number, a file offset, a row id).
///
/// Keys must be deterministic in the input: a source that restarts and
/// produces the same item again must give it the same key. The message id is
/// `<SOURCE-TYPE>:<key>`, which lets sinks downstream be idempotent.
public struct Produced<Item> {
    public var key: String
    public var item: Item

    public init(key: String, item: Item) {
        self.key = key
        self.item = item
    }
}

/// The state of a source node: produces items until it returns `nil`.
public protocol SourceGenerator: NodeLifecycle {
    associatedtype Item: Codable
    /// The next item, or `nil` once the input is exhausted (the node then
    /// completes its bounded task). Throwing stops the node with that error.
    mutating func next() throws -> Produced<Item>?
}

/// The state of a stage node: turns each input into one output.
public protocol StageTransformer: NodeLifecycle {
    associatedtype Input: Codable
    associatedtype Output: Codable
    /// Throwing sends this one message to the node's fail queue with the
    /// error's text; the node carries on with the next message.
    mutating func transform(_ input: Input, id: String) throws -> Output
}

/// The state of a sink node: consumes each input.
public protocol SinkConsumer: NodeLifecycle {
    associatedtype Input: Codable
    /// `id` is the message's stable id: the same after redelivery, so a sink
    /// can record what it applied and skip duplicates. Throwing sends this one
    /// message to the node's fail queue; the node carries on.
    mutating func consume(_ input: Input, id: String) throws

    /// Called before the first message of each batch: a sink can open one
    /// transaction for the whole batch here. Defaults to doing nothing.
    mutating func beginBatch() throws

    /// Called after the last message of each batch, before any of it is
    /// acknowledged: commit here. If this (or ``beginBatch()``) throws, no
    /// message of the batch is acknowledged; all go back to their queue and
    /// are delivered again. Defaults to doing nothing.
    mutating func finishBatch() throws
}

extension SinkConsumer {
    public mutating func beginBatch() throws {}
    public mutating func finishBatch() throws {}
}
