import Foundation
import MonomythControl
import MonomythRuntime
import MonomythZeroMQ

/// The way from HTTP threads to the master: one thread owns a
/// ``ControlClient`` and runs requests one at a time, in arrival order; a
/// caller waits at most ``patience`` for its answer, queueing included.
/// While the master is not answering (its last request timed out), a request
/// that would queue behind another fails at once instead of holding an HTTP
/// thread: one request at a time probes the master.
final class MasterLink: Sendable {
    /// The longest a caller waits.
    let patience: Duration
    private let state: Guarded<LinkState>
    private let service: ServiceThread

    private struct Job: Sendable {
        let deadline: ContinuousClock.Instant
        /// Sends the request; whether the master answered in time.
        let run: @Sendable (ControlClient) -> Bool
    }

    private struct LinkState {
        var pending: [Job] = []
        var busy = false
        var masterSilent = false
    }

    init(master: String, context: ZMQContext, patience: Duration) throws {
        self.patience = patience
        let state = Guarded(LinkState())
        self.state = state
        service = try ServiceThread.start(name: "control-http") { service in
            let client = try ControlClient(master: master, context: context, timeout: patience)
            defer { client.close() }
            service.ready()
            while !service.isStopRequested {
                let next = state.wait(until: Date(timeIntervalSinceNow: 0.1)) { $0.pending.isEmpty ? nil : true }
                guard next != nil else { continue }
                let job = state.update { state in
                    state.busy = true
                    return state.pending.removeFirst()
                }
                // A job whose caller has given up is not sent.
                let answered = ContinuousClock.now < job.deadline ? job.run(client) : nil
                state.update { state in
                    state.busy = false
                    if let answered { state.masterSilent = !answered }
                }
            }
        }
    }

    /// Runs `body` on the link's thread; throws ``ControlError/timedOut(command:after:)``
    /// if its answer is not there within ``patience``.
    func call<T: Sendable>(
        _ command: String, _ body: @escaping @Sendable (ControlClient) throws(ControlError) -> T
    ) throws(ControlError) -> T {
        let deadline = ContinuousClock.now + patience
        let answer = Guarded<Result<T, ControlError>?>(nil)
        let queued = state.update { state in
            if state.masterSilent && (state.busy || !state.pending.isEmpty) { return false }
            state.pending.append(Job(deadline: deadline) { client in
                let result = Result { () throws(ControlError) -> T in try body(client) }
                answer.update { $0 = result }
                if case .failure(.timedOut) = result { return false }
                return true
            })
            return true
        }
        guard queued else { throw .transport("the master is not answering: its last request timed out") }
        guard let result = answer.wait(until: Date(timeIntervalSinceNow: patience.timeInterval), for: { $0 }) else {
            throw .timedOut(command: command, after: patience)
        }
        return try result.get()
    }

    /// Stops the link's thread and closes its socket.
    func stop() {
        service.requestStop()
        service.join()
    }
}
