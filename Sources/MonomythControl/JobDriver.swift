import Foundation
import MonomythCore
import MonomythMMOP
import MonomythPlanner

/// Why a job did not complete.
public enum JobError: Error, Equatable, CustomStringConvertible {
    case control(ControlError)
    /// The nodes cannot be planned: no worker, or a bad instance count.
    case plan(PlanError)
    /// A node could not start or stopped on an error.
    case nodeFailed(type: String, reason: String)
    /// Fewer workers connected than the job needs, within the time allowed.
    case workersMissing(expected: Int, connected: Int)

    public var description: String {
        switch self {
        case .control(let error): error.description
        case .plan(let error): error.description
        case .nodeFailed(let type, let reason): "node type \(type) failed: \(reason)"
        case .workersMissing(let expected, let connected):
            "only \(connected) of \(expected) workers connected to the master"
        }
    }
}

/// Deploys a pipeline's bounded job through a master and follows it to its
/// end, using only MMOP requests: what a cluster's `run` and an embedded run
/// both do.
public struct JobDriver {
    public let client: ControlClient
    public let graph: PipelineGraph

    public init(client: ControlClient, graph: PipelineGraph) {
        self.client = client
        self.graph = graph
    }

    /// Waits until at least `count` workers are connected.
    public func awaitWorkers(_ count: Int, timeout: Duration) throws(JobError) {
        let deadline = ContinuousClock.now + timeout
        var connected = 0
        repeat {
            do { connected = try client.workerInfo().count } catch { throw .control(error) }
            if connected >= count { return }
            Thread.sleep(forTimeInterval: 0.01)
        } while ContinuousClock.now < deadline
        throw .workersMissing(expected: count, connected: connected)
    }

    /// Starts the node instances the connected workers are missing, in the
    /// ``Planner``'s order (consumers before producers, so nothing is placed
    /// on a queue before its reader runs); returns the plan. The master
    /// places each node by the rule the plan follows.
    ///
    /// - Parameter instances: desired instance counts by node type, overriding
    ///   the recipes' own.
    @discardableResult
    public func deploy(instances: [String: Int] = [:]) throws(JobError) -> [PlannedStart] {
        let workers: [WorkerLoad]
        do { workers = try client.workerInfo().map(WorkerLoad.init) } catch { throw .control(error) }
        let plan: [PlannedStart]
        do { plan = try Planner.plan(graph, instances: instances, workers: workers) } catch { throw .plan(error) }
        for start in plan {
            do { try client.startNode(type: start.recipe.type) } catch { throw .control(error) }
        }
        return plan
    }

    /// Asks the node types fed from outside the pipeline to complete once
    /// their queue is empty.
    public func completeOpenStarts() throws(JobError) {
        for recipe in graph.recipes where recipe.kind != .source && graph.producers(of: recipe.type).isEmpty {
            do { try client.completeTask(type: recipe.type) } catch { throw .control(error) }
        }
    }

    /// Asks the master once: true when every node type has completed its
    /// task; throws if a node failed.
    public func isComplete() throws(JobError) -> Bool {
        let info: [RecipeInfo]
        do { info = try client.recipeInfo() } catch { throw .control(error) }
        if let failed = info.first(where: { $0.counts.failed > 0 }) {
            throw .nodeFailed(type: failed.type, reason: failed.lastFailure ?? "no reason given")
        }
        return info.allSatisfy { $0.counts.completed > 0 && $0.counts.running == 0 && $0.counts.queued == 0 }
    }

    /// Shuts every connected worker down.
    public func stopWorkers() throws(JobError) {
        do {
            for worker in try client.workerInfo() { try client.stopWorker(id: worker.workerID) }
        } catch {
            throw .control(error)
        }
    }
}
