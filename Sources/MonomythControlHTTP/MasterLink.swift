import Foundation
import MonomythControl
import MonomythRuntime
import MonomythZeroMQ

/// The way from HTTP threads to the master: one thread owns a
/// ``ControlClient`` and runs requests one at a time, in arrival order; a
/// caller waits at most ``patience`` for its answer, queueing included.
final class MasterLink: Sendable {
    /// The longest a caller waits.
    let patience: Duration
    private let pending: Guarded<[Job]>
    private let service: ServiceThread

    private struct Job: Sendable {
        let deadline: ContinuousClock.Instant
        let run: @Sendable (ControlClient) -> Void
    }

    init(master: String, context: ZMQContext, patience: Duration) throws {
        self.patience = patience
        let pending = Guarded<[Job]>([])
        self.pending = pending
        service = try ServiceThread.start(name: "control-http") { service in
            let client = try ControlClient(master: master, context: context, timeout: patience)
            defer { client.close() }
            service.ready()
            while !service.isStopRequested {
                let next = pending.wait(until: Date(timeIntervalSinceNow: 0.1)) { $0.isEmpty ? nil : true }
                guard next != nil, let job = pending.update({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
                // A job whose caller has given up is not sent.
                if ContinuousClock.now < job.deadline { job.run(client) }
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
        pending.update {
            $0.append(Job(deadline: deadline) { client in
                let result = Result { () throws(ControlError) -> T in try body(client) }
                answer.update { $0 = result }
            })
        }
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
