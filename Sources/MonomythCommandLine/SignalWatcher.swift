import Dispatch
import Foundation
import MonomythRuntime

/// Catches SIGINT and SIGTERM so that a process can shut down gracefully.
///
/// While a watcher lives, the default action of both signals (ending the
/// process at once) is off; a first signal is recorded for the process to
/// act on, a second one ends the process with status 1.
final class SignalWatcher: Sendable {
    private let received = Guarded<Int32?>(nil)
    private let actions = Guarded<[@Sendable () -> Void]>([])
    private let queue: DispatchQueue
    private let sources: Guarded<[any DispatchSourceSignal]>

    init(origin: String) {
        let received = self.received
        let actions = self.actions
        let queue = DispatchQueue(label: "monomyth.signals")
        self.queue = queue
        sources = Guarded([SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                let first = received.update { signal in
                    defer { signal = signal ?? number }
                    return signal == nil
                }
                guard first else {
                    Log.error("second signal: exiting now", from: origin)
                    exit(1)
                }
                Log.info("\(number == SIGINT ? "SIGINT" : "SIGTERM"): shutting down", from: origin)
                for action in actions.current { action() }
            }
            source.resume()
            return source
        })
    }

    /// Runs `action` on the watcher's queue when the first signal arrives
    /// (at once if it has). It must not block: a second signal waits for it.
    func whenSignalled(_ action: @escaping @Sendable () -> Void) {
        actions.update { $0.append(action) }
        if isSignalled { queue.async(execute: action) }
    }

    /// Whether a signal arrived.
    var isSignalled: Bool { received.current != nil }

    /// Waits until a signal arrives, or `timeout` passed; whether one arrived.
    @discardableResult
    func wait(timeout: Duration? = nil) -> Bool {
        let deadline = timeout.map { Date(timeIntervalSinceNow: $0.timeInterval) }
        return received.wait(until: deadline) { $0 } != nil
    }
}
