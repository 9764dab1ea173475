import Foundation
import Monomyth
import MonomythTesting
import Testing

/// A broker that cannot be used gives an error naming where and as whom.
@Suite struct ConnectionErrorTests {
    /// The error `connect()` throws for `url`, as text.
    private func connectError(_ url: AMQPURL) async throws -> String {
        try await onOwnThread {
            do {
                try RabbitMQDataStream(url: url).connect().close()
                return "connected"
            } catch {
                return "\(error)"
            }
        }
    }

    private var broker: AMQPURL { get throws { try AMQPURL(parsing: TestBroker.url) } }

    @Test func refusedCredentialsNameTheUserAndVhostButNotThePassword() async throws {
        var url = try broker
        url.password = "wrong-password-7f3a"
        let error = try await connectError(url)
        #expect(error.contains("refused user \(url.user) on vhost \"\(url.vhost)\""), "\(error)")
        #expect(error.contains("\(url.host):\(url.port)"), "\(error)")
        #expect(error.contains("ACCESS_REFUSED"), "\(error)")
        #expect(!error.contains(url.password))
    }

    @Test func anUnknownVhostIsRefused() async throws {
        var url = try broker
        url.vhost = "no-such-vhost-\(UUID().uuidString.prefix(8))"
        let error = try await connectError(url)
        #expect(error.contains("vhost \"\(url.vhost)\""), "\(error)")
        #expect(error.contains("NOT_ALLOWED"), "\(error)")
    }

    @Test func anUnreachablePortNamesHostAndPort() async throws {
        var url = try broker
        url.port = 1
        let error = try await connectError(url)
        #expect(error.contains("cannot reach the RabbitMQ broker (user \(url.user) at \(url.host):1"), "\(error)")
        #expect(error.contains("cannot connect to \(url.host):1"), "\(error)")
    }
}
