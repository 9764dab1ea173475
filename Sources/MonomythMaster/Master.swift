import Foundation
import MonomythCore
import MonomythMMOP
import MonomythRuntime
import MonomythZeroMQ
import CZeroMQ

/// The master: a ROUTER socket on its own thread, serving ``MasterState``.
///
/// A malformed or unexpected message is logged and dropped; the master keeps
/// serving. A worker that cannot be reached when the master sends to it is
/// forgotten, and the message that needed it is handled again.
public final class Master: Sendable {
    /// The bound endpoint, a wildcard port resolved.
    public let endpoint: String
    private let service: ServiceThread
    private let wakeup: ZMQWakeup
    private let snapshot: Guarded<MasterState>

    /// Binds `endpoint` (e.g. `tcp://*:5555` or `inproc://master`) and starts
    /// serving; throws if the endpoint cannot be bound.
    public init(
        graph: PipelineGraph, endpoint: String, context: ZMQContext, liveness: Liveness = Liveness()
    ) throws {
        let bound = Guarded(endpoint)
        let snapshot = Guarded(MasterState(graph: graph))
        self.snapshot = snapshot
        let wakeup = ZMQWakeup(context: context)
        self.wakeup = wakeup
        service = try ServiceThread.start(name: "master") { service in
            let socket = try ZMQSocket(context, .router)
            defer { socket.close() }
            let wake = try wakeup.listen()
            defer { wake.close() }
            try socket.setOption(ZMQ_ROUTER_HANDOVER, 1)
            try socket.setOption(ZMQ_ROUTER_MANDATORY, 1)
            try socket.bind(endpoint)
            let resolved = try socket.lastEndpoint()
            bound.update { $0 = resolved }
            service.ready()
            Log.info("listening on \(resolved)", from: "master")
            var state = MasterState(graph: graph)
            var nextBeat = ContinuousClock.now + liveness.interval
            while !service.isStopRequested {
                do {
                    let readable = try ZMQSocket.poll([socket, wake], timeout: Master.tick)
                    if readable[1] { ZMQWakeup.drain(wake) }
                    if readable[0] {
                        Master.serve(try socket.receive(), state: &state, socket: socket)
                        snapshot.update { $0 = state }
                    }
                } catch let error as ZMQError where error.isTerminated {
                    return
                }
                let now = ContinuousClock.now
                if now >= nextBeat {
                    nextBeat = now + liveness.interval
                    Master.checkLiveness(at: now, timeout: liveness.timeout, state: &state, socket: socket)
                    snapshot.update { $0 = state }
                }
            }
        }
        self.endpoint = bound.current
    }

    /// The longest the loop waits for a message, which bounds how late a
    /// heartbeat goes out (``stop()`` wakes the loop at once).
    static let tick: Duration = .milliseconds(100)

    /// The master's state as of its last message.
    public var state: MasterState { snapshot.current }

    /// Stops serving and closes the socket; returns once done.
    public func stop() {
        service.requestStop()
        wakeup.wake()
        service.join()
    }

    private static func serve(_ frames: [[UInt8]], state: inout MasterState, socket: ZMQSocket) {
        guard let sender = frames.first.flatMap({ String(validating: $0, as: UTF8.self) }) else {
            Log.warning("dropped a message without a readable routing id", from: "master")
            return
        }
        let message: MMOPMessage
        do {
            message = try MMOPCodec.decode(Array(frames.dropFirst()))
        } catch {
            Log.warning("rejected a message from \(sender): \(error)", from: "master")
            return
        }
        guard state.accepts(message, from: sender) else {
            Log.warning("ignored unexpected \(message.command) from \(sender)", from: "master")
            return
        }
        Log.debug("\(message.command) from \(sender)", from: "master")
        deliver(state.handle(message, from: sender), state: &state, socket: socket)
    }

    /// Expires silent workers, placing their nodes elsewhere, and sends every
    /// worker a heartbeat.
    private static func checkLiveness(
        at now: ContinuousClock.Instant, timeout: Duration, state: inout MasterState, socket: ZMQSocket
    ) {
        for worker in state.silentWorkers(since: now - timeout) {
            Log.warning("worker \(worker) was silent for \(timeout); placing its nodes on the others", from: "master")
        }
        deliver(state.expireWorkers(silentSince: now - timeout) + state.heartbeats, state: &state, socket: socket)
    }

    /// Sends `envelopes` in order. A worker that cannot be reached is
    /// forgotten; nothing more goes to it, and its nodes are placed again
    /// before anything else is sent (so a requester hears of success only
    /// after its node went to a worker that is there).
    private static func deliver(_ envelopes: [Envelope], state: inout MasterState, socket: ZMQSocket) {
        var pending = envelopes[...]
        while let envelope = pending.popFirst() {
            guard !send(envelope, on: socket), state.workerIDs.contains(envelope.to) else { continue }
            Log.warning("worker \(envelope.to) is unreachable; forgetting it", from: "master")
            let lost = state.forgetWorker(envelope.to)
            pending.removeAll { $0.to == envelope.to }
            pending.insert(contentsOf: state.placeAgain(lost), at: pending.startIndex)
        }
    }

    /// Sends one envelope; false if its recipient is gone.
    private static func send(_ envelope: Envelope, on socket: ZMQSocket) -> Bool {
        do {
            try socket.send([Array(envelope.to.utf8)] + MMOPCodec.encode(envelope.message))
            return true
        } catch {
            Log.warning("could not send \(envelope.message.command) to \(envelope.to): \(error)", from: "master")
            return false
        }
    }
}
