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

    /// Silence longer than this means the peer is gone.
    public var timeout: Duration { interval * missedBeats }
}
