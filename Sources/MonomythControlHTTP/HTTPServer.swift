import CMicroHTTPD
import CMicroHTTPDShim
import Foundation
import Synchronization

/// An HTTP request, as far as the control server reads it: no headers, no body.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    /// The path, percent-decoded by libmicrohttpd, without the query.
    public var path: String

    public init(method: String, path: String) {
        self.method = method
        self.path = path
    }
}

public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public var headers: [String: String]

    public init(status: Int, contentType: String, body: [UInt8], headers: [String: String] = [:]) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }
}

/// An IPv4 address and port to listen on, written `HOST:PORT`.
public struct HTTPAddress: Sendable, Equatable, CustomStringConvertible {
    /// A dotted IPv4 address; `localhost` is read as `127.0.0.1`.
    public var host: String
    /// 0 picks a free port.
    public var port: UInt16

    public init(host: String = "127.0.0.1", port: UInt16) {
        self.host = host == "localhost" ? "127.0.0.1" : host
        self.port = port
    }

    /// Parses `HOST:PORT`, or `PORT` alone for 127.0.0.1; `nil` if it is neither.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let port = parts.last.flatMap({ UInt16($0) }) else { return nil }
        self.init(host: parts.count == 2 ? String(parts[0]) : "127.0.0.1", port: port)
        guard socketAddress != nil else { return nil }
    }

    public var description: String { "\(host):\(port)" }

    fileprivate var socketAddress: sockaddr_in? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        return address
    }
}

public enum HTTPServerError: Error, Equatable, CustomStringConvertible {
    case cannotListen(HTTPAddress)

    public var description: String {
        switch self {
        case .cannotListen(let address): "cannot listen on \(address): the address is not local or the port is in use"
        }
    }
}

/// A libmicrohttpd daemon with a pool of threads, each answering a request
/// with `respond`, which must be thread-safe.
final class HTTPServer: Sendable {
    /// The port listened on, a requested port 0 resolved.
    let port: UInt16
    /// The daemon until ``stop()``; the mutex makes stopping happen once.
    private let daemon: Mutex<OpaquePointer?>
    private let responder: Unmanaged<Responder>

    /// What libmicrohttpd's threads call, reached through the callback's `cls`.
    private final class Responder: Sendable {
        let respond: @Sendable (HTTPRequest) -> HTTPResponse
        init(_ respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) { self.respond = respond }
    }

    init(
        address: HTTPAddress, threads: UInt32 = 4, respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse
    ) throws(HTTPServerError) {
        guard var socketAddress = address.socketAddress else { throw .cannotListen(address) }
        let responder = Unmanaged.passRetained(Responder(respond))
        guard let started = monomyth_mhd_start(&socketAddress, threads, HTTPServer.accessHandler, responder.toOpaque())
        else {
            responder.release()
            throw .cannotListen(address)
        }
        self.responder = responder
        port = monomyth_mhd_port(started)
        daemon = Mutex(started)
    }

    deinit { stop() }

    /// Stops listening, waits for requests in hand and ends the daemon's threads.
    func stop() {
        guard let running = daemon.withLock({ $0.take() }) else { return }
        MHD_stop_daemon(running)
        responder.release()
    }

    /// libmicrohttpd's access handler, called several times per request:
    /// once with the headers (mark the request seen), once per body chunk
    /// (bodies are not read: skip them), then once to answer.
    private static let accessHandler: MHD_AccessHandlerCallback = {
        cls, connection, url, method, _, _, uploadSize, requestState in
        guard let cls, let connection, let url, let method, let uploadSize, let requestState else { return .NO }
        if requestState.pointee == nil {
            // No state to allocate: the responder marks the request as seen.
            requestState.pointee = cls
            return .YES
        }
        if uploadSize.pointee > 0 {
            uploadSize.pointee = 0
            return .YES
        }
        let responder = Unmanaged<Responder>.fromOpaque(cls).takeUnretainedValue()
        let response = responder.respond(HTTPRequest(method: String(cString: method), path: String(cString: url)))
        return queue(response, on: connection)
    }

    private static func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
        var body = response.body
        let created = body.withUnsafeMutableBytes { bytes in
            MHD_create_response_from_buffer(bytes.count, bytes.baseAddress, .RESPMEM_MUST_COPY)
        }
        guard let created else { return .NO }
        // MHD_queue_response keeps its own reference.
        defer { MHD_destroy_response(created) }
        let headers = response.headers.merging(
            ["Content-Type": response.contentType, "Cache-Control": "no-store"], uniquingKeysWith: { given, _ in given })
        for (name, value) in headers where MHD_add_response_header(created, name, value) != .YES {
            return .NO
        }
        return MHD_queue_response(connection, UInt32(response.status), created)
    }
}
