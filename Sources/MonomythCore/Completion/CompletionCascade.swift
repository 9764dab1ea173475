/// The bounded-task rules, as a pure state machine.
///
/// A node type has *finished* once at least one instance of it completed and
/// none is still running. A type is told to complete once every producer of
/// its source queue has finished (and it has producers: a type fed from
/// outside completes only when asked through ``requestCompletion(of:)``). The
/// job is done when every type has finished.
///
/// Feed it starts and completions in the order they happen; it answers with
/// the types to tell to complete.
public struct CompletionCascade: Sendable {
    public let graph: PipelineGraph
    private var running: [String: Int] = [:]
    private var completed: [String: Int] = [:]
    /// Types already told to complete; nodes of these types started later
    /// must be told too.
    public private(set) var completing: Set<String> = []

    public init(graph: PipelineGraph) { self.graph = graph }

    /// `count` instances of `type` were started.
    public mutating func nodeStarted(type: String, count: Int = 1) {
        running[type, default: 0] += count
    }

    /// An instance of `type` stopped without completing its task (it was
    /// stopped, or it failed): it no longer counts as running.
    public mutating func nodeStopped(type: String, count: Int = 1) {
        running[type, default: 0] = max(0, running[type, default: 0] - count)
    }

    /// An instance of `type` completed its task. Returns the types that must
    /// now be told to complete.
    public mutating func nodeCompleted(type: String) -> [String] {
        running[type, default: 0] = max(0, running[type, default: 0] - 1)
        completed[type, default: 0] += 1
        guard hasFinished(type), let recipe = graph.recipe(type: type) else { return [] }
        return recipe.dependents.filter { dependent in
            !completing.contains(dependent) && graph.producers(of: dependent).allSatisfy(hasFinished)
        }.map { markCompleting($0) }
    }

    /// Asks `type` to complete regardless of its producers (for types fed
    /// from outside the pipeline). Returns `[type]` unless already asked.
    public mutating func requestCompletion(of type: String) -> [String] {
        completing.contains(type) ? [] : [markCompleting(type)]
    }

    /// Whether every instance of `type` has completed.
    public func hasFinished(_ type: String) -> Bool {
        completed[type, default: 0] > 0 && running[type, default: 0] == 0
    }

    /// Whether every node type of the pipeline has finished.
    public var isDone: Bool { graph.recipes.allSatisfy { hasFinished($0.type) } }

    private mutating func markCompleting(_ type: String) -> String {
        completing.insert(type)
        return type
    }
}
