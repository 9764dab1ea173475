import Foundation
import MonomythControl
import MonomythCore
import MonomythMaster
import MonomythRuntime
import MonomythWorker
import MonomythZeroMQ
import Synchronization

/// What a finished run did, per node type.
public struct RunReport: Sendable, Equatable {
    /// Messages processed (or produced, for a source), by node type.
    public var processed: [String: Int] = [:]
    /// Messages sent to the fail queue, by node type.
    public var failed: [String: Int] = [:]
    /// Empty messages dropped, by node type.
    public var dropped: [String: Int] = [:]
    /// Batches handled, by node type.
    public var batches: [String: Int] = [:]

    init(nodes: [NodeInstance]) {
        for node in nodes {
            let type = node.recipe.type
            processed[type, default: 0] += node.counters.processed.load(ordering: .relaxed)
            failed[type, default: 0] += node.counters.failed.load(ordering: .relaxed)
            dropped[type, default: 0] += node.counters.dropped.load(ordering: .relaxed)
            batches[type, default: 0] += node.counters.batches.load(ordering: .relaxed)
        }
    }
}

/// Why a run did not complete.
public enum RunError: Error, Equatable, CustomStringConvertible {
    /// A node could not start or stopped on an error; the run was stopped.
    case nodeFailed(type: String, reason: String)
    /// The run was stopped before it completed.
    case stopped
    /// The run had not completed within the time allowed; it was stopped.
    case timedOut(Duration)
    /// The master, a worker or the driver could not do its part.
    case orchestration(String)
    /// Waiting for a run whose ``LocalRun/start()`` was not called.
    case notStarted

    public var description: String {
        switch self {
        case .nodeFailed(let type, let reason): "node type \(type) failed: \(reason)"
        case .stopped: "the run was stopped before it completed"
        case .timedOut(let limit): "the run did not complete within \(limit); it was stopped"
        case .orchestration(let detail): "the run could not be orchestrated: \(detail)"
        case .notStarted: "the run was not started: call start() before waiting for it"
        }
    }
}

/// Runs a whole pipeline inside this process with the same parts a cluster
/// uses: a master and workers talking MMOP over ZeroMQ (`inproc`), node
/// threads on a data stream (in memory unless told otherwise), and a driver
/// that deploys the job and follows it to its end.
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
    private let workerCount: Int
    private let requests = Mutex(Requests())
    private let ending = Guarded(Ending())

    /// How the run ended, once it has, and who waits for it asynchronously.
    private struct Ending {
        var outcome: Result<RunReport, RunError>?
        var waiters: [CheckedContinuation<RunReport, any Error>] = []
    }

    private struct Requests {
        var started = false
        var finish = false
        var stop: RunError?
    }

    /// Checks the pipeline; throws its ``PipelineValidationError`` if invalid.
    public init(
        _ pipeline: Pipeline, stream: any DataStream = InMemoryDataStream(), workers: Int = 1
    ) throws(PipelineValidationError) {
        self.pipeline = pipeline
        self.graph = try pipeline.graph()
        self.stream = stream
        self.workerCount = max(1, workers)
    }

    /// Starts the master, the workers and the driver, which deploys every
    /// node instance; returns once the driver is running.
    public func start() throws {
        let alreadyStarted = requests.withLock { requests in
            defer { requests.started = true }
            return requests.started
        }
        if alreadyStarted { throw RunError.orchestration("the run was already started") }
        _ = try ServiceThread.start(name: "local-run") { [self] service in
            service.ready()
            settle(drive())
        }
    }

    /// Asks the nodes fed from outside the pipeline (those without a source
    /// before them) to complete once their queue is empty. Without this, a
    /// pipeline that does not begin with a source never completes.
    public func finish() { requests.withLock { $0.finish = true } }

    /// Stops every node after its batch in hand; the run then ends with
    /// ``RunError/stopped``.
    public func stop() { requests.withLock { $0.stop = $0.stop ?? .stopped } }

    /// Blocks until the run has ended and everything it started is closed;
    /// returns the report if the job completed. On timeout the run is
    /// stopped, and this waits for that.
    public func wait(timeout: Duration? = nil) throws(RunError) -> RunReport {
        guard requests.withLock({ $0.started }) else { throw RunError.notStarted }
        let deadline = timeout.map { Date(timeIntervalSinceNow: $0.timeInterval) }
        if ending.wait(until: deadline, for: \.outcome) == nil, let timeout {
            requests.withLock { $0.stop = $0.stop ?? .timedOut(timeout) }
        }
        return try ending.wait(until: nil, for: \.outcome)!.get()
    }

    /// Waits without blocking a thread until the run has ended; returns the
    /// report if the job completed.
    public func completion() async throws -> RunReport {
        guard requests.withLock({ $0.started }) else { throw RunError.notStarted }
        return try await withCheckedThrowingContinuation { continuation in
            let done = ending.update { ending in
                if ending.outcome == nil { ending.waiters.append(continuation) }
                return ending.outcome
            }
            if let done { continuation.resume(with: done.mapError { $0 as any Error }) }
        }
    }

    private func settle(_ result: Result<RunReport, RunError>) {
        let waiting = ending.update { ending in
            ending.outcome = result
            defer { ending.waiters = [] }
            return ending.waiters
        }
        for waiter in waiting { waiter.resume(with: result.mapError { $0 as any Error }) }
    }

    /// Runs on the driver's thread: brings everything up, follows the job,
    /// and tears everything down whatever happened.
    private func drive() -> Result<RunReport, RunError> {
        let context: ZMQContext
        do { context = try ZMQContext() } catch { return .failure(.orchestration(error.description)) }
        defer { context.terminate() }
        let endpoint = "inproc://monomyth-master-\(UUID().uuidString)"
        var workers: [Worker] = []
        var master: Master?
        var client: ControlClient?
        defer {
            if let client { try? JobDriver(client: client, graph: graph).stopWorkers() }
            for worker in workers { worker.stop() }
            client?.close()
            master?.stop()
        }
        do {
            master = try Master(graph: graph, endpoint: endpoint, context: context, liveness: .sameProcess)
            for _ in 0..<workerCount {
                // Short polls: a bounded run ends as soon as its nodes see completion.
                workers.append(try Worker(
                    pipeline: pipeline, stream: stream, master: endpoint, context: context, liveness: .sameProcess,
                    nodePollInterval: .milliseconds(10)))
            }
            client = try ControlClient(master: endpoint, context: context)
            let driver = JobDriver(client: client!, graph: graph)
            try driver.awaitWorkers(workerCount, timeout: .seconds(10))
            try driver.deploy()
            var finishSent = false
            while true {
                let (finish, stop) = requests.withLock { ($0.finish, $0.stop) }
                if let stop { return .failure(stop) }
                if finish && !finishSent {
                    try driver.completeOpenStarts()
                    finishSent = true
                }
                if try driver.isComplete() { break }
                Thread.sleep(forTimeInterval: 0.01)
            }
        } catch let error as JobError {
            if case .nodeFailed(let type, let reason) = error { return .failure(.nodeFailed(type: type, reason: reason)) }
            return .failure(.orchestration(error.description))
        } catch {
            return .failure(.orchestration(String(describing: error)))
        }
        return .success(RunReport(nodes: workers.flatMap(\.nodes)))
    }
}
