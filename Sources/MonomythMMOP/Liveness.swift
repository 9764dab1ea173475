/// How often masters and workers show they are alive, and how many missed
/// heartbeats make a peer count as gone (the ZeroMQ guide's Paranoid Pirate
/// pattern: any message counts as a heartbeat).
public struct Liveness: Sendable, Equatable {
    /// Time between two heartbeats.
    public var interval: Duration
    /// Heartbeats a peer may miss before it counts as gone.
    public var missedBeats: Int

    public init(interval: Duration = .seconds(1), missedBeats: Int = 3) {
        self.interval = interval
        self.missedBeats = missedBeats
    }

    /// For a master and workers in one process, which fail together: a
    /// worker is never taken for gone because a loaded machine starved it.
    public static let sameProcess = Liveness(interval: .seconds(5), missedBeats: 720)

    /// Silence longer than this means the peer is gone.
    public var timeout: Duration { interval * missedBeats }
}
