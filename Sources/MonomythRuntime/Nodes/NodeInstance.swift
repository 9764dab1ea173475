import Foundation
import MonomythCore
import Synchronization

/// How a node instance ended.
public enum NodeExit: Sendable, Equatable {
    /// It finished its bounded task.
    case completed
    /// It was asked to stop and did, after finishing the batch in hand.
    case stopped
    /// It could not start, or its data stream failed; the reason says which.
    case failed(String)
}

/// Counters of one node instance, readable from any thread.
public final class NodeCounters: Sendable {
    /// Messages placed by a source, or processed (placed or consumed) by a stage or sink.
    public let processed = Atomic<Int>(0)
    /// Messages sent to the fail queue.
    public let failed = Atomic<Int>(0)
    /// Empty messages acknowledged and dropped.
    public let dropped = Atomic<Int>(0)
    /// Batches handled.
    public let batches = Atomic<Int>(0)
    /// Time spent on batches, in nanoseconds: from a batch in hand (produced
    /// or pulled) to its placement and acknowledgement.
    public let batchNanoseconds = Atomic<Int>(0)

    public init() {}
}

/// One running instance of a node: its own OS thread, its own data-stream
/// connection, its own copy of the user's node state.
///
/// The loop: pull up to a batch → drop (and acknowledge) empty messages →
/// process each → place the results and the failures → acknowledge the batch.
/// A source instead produces up to a batch and places it. ``requestStop()``
/// lets the batch in hand finish; ``requestCompletion()`` makes the node
/// complete as soon as a pull finds its source queue empty.
public final class NodeInstance: Sendable {
    /// Unique among the nodes of one process, e.g. `MAP-TEXT-2`.
    public let id: String
    public let recipe: Recipe
    public let counters = NodeCounters()
    private let spec: NodeSpec
    private let stream: any DataStream
    private let pollInterval: Duration
    private let stopRequested = Atomic<Bool>(false)
    private let completionRequested = Atomic<Bool>(false)
    private let onExit: @Sendable (NodeInstance, NodeExit) -> Void

    /// - Parameters:
    ///   - pollInterval: the longest a pull waits, which bounds how long a
    ///     stop or completion request waits to be seen.
    ///   - onExit: called once, on the node's thread, as the thread's last act.
    public init(
        id: String, recipe: Recipe, spec: NodeSpec, stream: any DataStream,
        pollInterval: Duration = .milliseconds(100),
        onExit: @escaping @Sendable (NodeInstance, NodeExit) -> Void
    ) {
        self.id = id
        self.recipe = recipe
        self.spec = spec
        self.stream = stream
        self.pollInterval = pollInterval
        self.onExit = onExit
    }

    /// Starts the node's thread.
    public func start() {
        let thread = Thread { [self] in onExit(self, run()) }
        thread.name = id
        thread.start()
    }

    /// Asks the node to stop after the batch in hand.
    public func requestStop() { stopRequested.store(true, ordering: .relaxed) }

    /// Asks the node to complete its task once its source queue is empty.
    /// A source completes when its generator is done, whatever this says.
    public func requestCompletion() { completionRequested.store(true, ordering: .relaxed) }

    private func run() -> NodeExit {
        let body: NodeBody
        do {
            body = try spec.makeBody()
        } catch {
            return .failed("node \(id) could not start: \(error)")
        }
        var exit: NodeExit
        do {
            exit = try connectAndLoop(body.work.step)
        } catch {
            exit = .failed("node \(id) stopped: \(error)")
        }
        do {
            try body.stop()
        } catch {
            Log.error("stop hook threw: \(error)", from: id)
            if exit != .completed && exit != .stopped { return exit }
            exit = .failed("node \(id)'s stop hook threw: \(error)")
        }
        return exit
    }

    /// Connects, runs the loop, and disconnects whatever happens, so that
    /// unacknowledged messages return to their queue.
    private func connectAndLoop(_ step: NodeWork.Step) throws -> NodeExit {
        let connection = try stream.connect()
        defer { connection.close() }
        for queue in [recipe.sourceQueue].compactMap({ $0 }) + recipe.destinationQueues + [recipe.failQueue] {
            try connection.declare(queue: queue)
        }
        switch step {
        case .produce(let next): return try produce(next, on: connection)
        case .process(let processor): return try consume(with: processor, on: connection)
        }
    }

    private func produce(
        _ next: () throws -> (id: String, body: [UInt8])?, on connection: any DataStreamConnection
    ) throws -> NodeExit {
        while !stopRequested.load(ordering: .relaxed) {
            let started = ContinuousClock.now
            var outgoing: [Outgoing] = []
            var finished = false
            var count = 0
            while count < recipe.batchSize {
                guard let (id, body) = try next() else {
                    finished = true
                    break
                }
                count += 1
                for queue in recipe.destinationQueues {
                    outgoing.append(Outgoing(queue: queue, message: Message(id: id, body: body)))
                }
            }
            try connection.publish(outgoing)
            counters.processed.add(count, ordering: .relaxed)
            counters.batches.add(1, ordering: .relaxed)
            counters.batchNanoseconds.add(started.duration(to: .now).nanoseconds, ordering: .relaxed)
            if finished { return .completed }
        }
        return .stopped
    }

    private func consume(with processor: NodeWork.Processor, on connection: any DataStreamConnection) throws -> NodeExit {
        guard let source = recipe.sourceQueue else { return .failed("node \(id) has no source queue") }
        while !stopRequested.load(ordering: .relaxed) {
            let deliveries = try connection.pull(from: source, max: recipe.batchSize, timeout: pollInterval)
            if deliveries.isEmpty {
                if completionRequested.load(ordering: .relaxed) { return .completed }
                continue
            }
            let started = ContinuousClock.now
            do {
                try processor.begin()
            } catch {
                try giveBack(deliveries, to: source, because: error, on: connection)
                continue
            }
            var outgoing: [Outgoing] = []
            var done: [UInt64] = [], failedTags: [UInt64] = []
            var processed = 0, dropped = 0
            for delivery in deliveries {
                let message = delivery.message
                if message.body.isEmpty {
                    dropped += 1
                    done.append(delivery.tag)
                    continue
                }
                do {
                    if let output = try processor.process(message.body, message.id) {
                        let output = Message(id: MessageID.derived(from: message.id, by: recipe.type), body: output)
                        for queue in recipe.destinationQueues {
                            outgoing.append(Outgoing(queue: queue, message: output))
                        }
                    }
                    processed += 1
                    done.append(delivery.tag)
                } catch {
                    failedTags.append(delivery.tag)
                    Log.debug("message \(message.id) failed: \(error.reason)", from: id)
                    outgoing.append(Outgoing(queue: recipe.failQueue, message: failedCopy(of: message, reason: error.reason)))
                }
            }
            do {
                try processor.finish()
            } catch {
                try giveBack(deliveries, to: source, because: error, on: connection)
                continue
            }
            // Acknowledge only once everything placed is held by the stream;
            // failed messages are already on the fail queue, so they are
            // rejected without requeueing.
            try connection.publish(outgoing)
            if !done.isEmpty { try connection.ack(done) }
            if !failedTags.isEmpty { try connection.nack(failedTags, requeue: false) }
            counters.processed.add(processed, ordering: .relaxed)
            counters.failed.add(failedTags.count, ordering: .relaxed)
            counters.dropped.add(dropped, ordering: .relaxed)
            counters.batches.add(1, ordering: .relaxed)
            counters.batchNanoseconds.add(started.duration(to: .now).nanoseconds, ordering: .relaxed)
        }
        return .stopped
    }

    /// Returns a whole batch to its queue after its batch hook threw, and
    /// waits a poll interval so that a lasting failure does not spin.
    private func giveBack(
        _ deliveries: [Delivery], to source: String, because error: any Error, on connection: any DataStreamConnection
    ) throws {
        Log.error("a batch hook threw; \(deliveries.count) messages go back to \(source): \(error)", from: id)
        try connection.nack(deliveries.map(\.tag), requeue: true)
        Thread.sleep(forTimeInterval: pollInterval.timeInterval)
    }

    private func failedCopy(of message: Message, reason: String) -> Message {
        var copy = message
        copy.headers[Message.failureReasonHeader] = reason
        copy.headers[Message.failedNodeHeader] = recipe.type
        return copy
    }
}

extension Duration {
    fileprivate var nanoseconds: Int {
        Int(components.seconds) * 1_000_000_000 + Int(components.attoseconds / 1_000_000_000)
    }
}
