import Foundation
import MonomythCore

/// What a finished run did, per node type.
public struct RunReport: Sendable, Equatable {
    /// Messages processed (or produced, for a source), by node type.
    public var processed: [String: Int]
    /// Messages sent to the fail queue, by node type.
    public var failed: [String: Int]
    /// Empty messages dropped, by node type.
    public var dropped: [String: Int]
    /// Batches handled, by node type.
    public var batches: [String: Int]
}

/// Why a run did not complete.
public enum RunError: Error, Equatable, CustomStringConvertible {
    /// A node could not start or its data stream failed; the run was stopped.
    case nodeFailed(type: String, reason: String)
    /// The run was stopped before it completed.
    case stopped
    /// The run had not completed within the time allowed; it was stopped.
    case timedOut(Duration)
    /// ``LocalRun/start()`` was called twice.
    case alreadyStarted

    public var description: String {
        switch self {
        case .nodeFailed(let type, let reason): "node type \(type) failed: \(reason)"
        case .stopped: "the run was stopped before it completed"
        case .timedOut(let limit): "the run did not complete within \(limit); it was stopped"
        case .alreadyStarted: "the run was already started"
        }
    }
}

/// Runs a whole pipeline inside this process: every node instance on its own
/// thread, all on one data stream (in memory unless told otherwise), with the
/// bounded-task cascade of ``CompletionCascade``.
///
/// ```swift
/// let run = try LocalRun(pipeline)
/// try run.start()
/// let report = try run.wait()
/// ```
public final class LocalRun: Sendable {
    public let graph: PipelineGraph
    public let stream: any DataStream
    private let pipeline: Pipeline
    private let state: Guarded<State>

    private struct State {
        var cascade: CompletionCascade
        var started = false
        var live: [String: NodeInstance] = [:]
        var all: [NodeInstance] = []
        var failure: RunError?
        var outcome: Result<RunReport, RunError>?
        var waiters: [CheckedContinuation<RunReport, any Error>] = []
    }

    /// Checks the pipeline; throws its ``PipelineValidationError`` if invalid.
    public init(_ pipeline: Pipeline, stream: any DataStream = InMemoryDataStream()) throws(PipelineValidationError) {
        self.pipeline = pipeline
        self.graph = try pipeline.graph()
        self.stream = stream
        self.state = Guarded(State(cascade: CompletionCascade(graph: graph)))
    }

    /// Starts every instance of every node, consumers before producers so
    /// that nothing is placed on a queue before its reader exists.
    public func start() throws(RunError) {
        let nodes = try state.update { state throws(RunError) -> [NodeInstance] in
            guard !state.started else { throw RunError.alreadyStarted }
            state.started = true
            var nodes: [NodeInstance] = []
            for recipe in graph.recipes.reversed() {
                guard let spec = pipeline.node(type: recipe.type) else { continue }
                for index in 1...recipe.instances {
                    let node = NodeInstance(id: "\(recipe.type)-\(index)", recipe: recipe, spec: spec, stream: stream) {
                        [weak self] node, exit in self?.nodeExited(node, exit)
                    }
                    state.cascade.nodeStarted(type: recipe.type)
                    state.live[node.id] = node
                    nodes.append(node)
                }
            }
            state.all = nodes
            return nodes
        }
        for node in nodes { node.start() }
    }

    /// Asks the nodes fed from outside the pipeline (those without a source
    /// before them) to complete once their queue is empty. Without this, a
    /// pipeline that does not begin with a source never completes.
    public func finish() {
        state.update { state in
            for recipe in graph.recipes where recipe.kind != .source && graph.producers(of: recipe.type).isEmpty {
                complete(state.cascade.requestCompletion(of: recipe.type), in: state)
            }
        }
    }

    /// Asks every node to stop after its batch in hand. ``wait(timeout:)``
    /// then returns once all have stopped.
    public func stop() {
        state.update { state in
            state.failure = state.failure ?? .stopped
            for node in state.live.values { node.requestStop() }
            settleIfIdle(&state)
        }
    }

    /// Blocks until every node has exited; returns the report if the job
    /// completed. On timeout the run is stopped, and this waits for that.
    public func wait(timeout: Duration? = nil) throws(RunError) -> RunReport {
        let deadline = timeout.map { Date(timeIntervalSinceNow: $0.timeInterval) }
        if state.wait(until: deadline, for: \.outcome) == nil, let timeout {
            state.update { state in state.failure = .timedOut(timeout) }
            stop()
        }
        return try state.wait(until: nil, for: \.outcome)!.get()
    }

    /// Waits without blocking a thread until every node has exited; returns
    /// the report if the job completed.
    public func completion() async throws -> RunReport {
        try await withCheckedThrowingContinuation { continuation in
            state.update { state in
                if let outcome = state.outcome {
                    continuation.resume(with: outcome.mapError { $0 as any Error })
                } else {
                    state.waiters.append(continuation)
                }
            }
        }
    }

    private func nodeExited(_ node: NodeInstance, _ exit: NodeExit) {
        state.update { state in
            state.live[node.id] = nil
            switch exit {
            case .completed:
                Log.debug("completed", from: node.id)
                complete(state.cascade.nodeCompleted(type: node.recipe.type), in: state)
            case .stopped:
                state.cascade.nodeStopped(type: node.recipe.type)
            case .failed(let reason):
                Log.error(reason, from: node.id)
                state.cascade.nodeStopped(type: node.recipe.type)
                if state.failure == nil || state.failure == .stopped {
                    state.failure = .nodeFailed(type: node.recipe.type, reason: reason)
                }
                for other in state.live.values { other.requestStop() }
            }
            settleIfIdle(&state)
        }
    }

    private func complete(_ types: [String], in state: State) {
        for node in state.live.values where types.contains(node.recipe.type) { node.requestCompletion() }
    }

    /// Once no node is live, fixes the outcome and wakes every waiter.
    private func settleIfIdle(_ state: inout State) {
        guard state.started, state.live.isEmpty, state.outcome == nil else { return }
        let outcome: Result<RunReport, RunError>
        if state.cascade.isDone && (state.failure == nil || state.failure == .stopped) {
            outcome = .success(report(of: state.all))
        } else {
            outcome = .failure(state.failure ?? .stopped)
        }
        state.outcome = outcome
        for waiter in state.waiters { waiter.resume(with: outcome.mapError { $0 as any Error }) }
        state.waiters = []
    }

    private func report(of nodes: [NodeInstance]) -> RunReport {
        var report = RunReport(processed: [:], failed: [:], dropped: [:], batches: [:])
        for node in nodes {
            report.processed[node.recipe.type, default: 0] += node.counters.processed.load(ordering: .relaxed)
            report.failed[node.recipe.type, default: 0] += node.counters.failed.load(ordering: .relaxed)
            report.dropped[node.recipe.type, default: 0] += node.counters.dropped.load(ordering: .relaxed)
            report.batches[node.recipe.type, default: 0] += node.counters.batches.load(ordering: .relaxed)
        }
        return report
    }
}
