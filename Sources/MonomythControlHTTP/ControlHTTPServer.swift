import Foundation
import MonomythControl
import MonomythCore
import MonomythMMOP
import MonomythZeroMQ

/// The REST control API of a master, over HTTP: requests go to the master
/// through a ``ControlClient``.
///
/// | request | answer |
/// | --- | --- |
/// | `GET /` | the dashboard page |
/// | `GET /ping` | `pong` once the master answered `PING` |
/// | `POST /start-node/{type}` | 201 `{"request_sent_to_worker": true}`, or the master's status |
/// | `POST /stop-worker/{id}` | 201 `{"request_sent_to_worker": true}`, or the master's status |
/// | `GET /recipe-info`, `GET /worker-info` | the master's JSON |
/// | `GET /node-metrics` | message counts per node type, as JSON |
/// | `GET /metrics` | Prometheus text |
/// | `GET /pipeline` | the pipeline graph as JSON |
///
/// Errors have a JSON body `{"error_message": …}`: 404 for an unknown path,
/// 405 for a wrong method, 400 for a malformed type or id, 503 when the
/// master does not answer within `masterTimeout`.
///
/// ```swift
/// let server = try ControlHTTPServer(
///     graph: graph, master: "tcp://127.0.0.1:5555", context: context, address: HTTPAddress(port: 8080))
/// defer { server.stop() }
/// ```
public final class ControlHTTPServer: Sendable {
    /// Where the server listens, a requested port 0 resolved.
    public let address: HTTPAddress
    private let link: MasterLink
    private let http: HTTPServer

    /// Connects to `master` and listens on `address` (by default 127.0.0.1:8080).
    public init(
        graph: PipelineGraph, master: String, context: ZMQContext, address: HTTPAddress = HTTPAddress(port: 8080),
        masterTimeout: Duration = .seconds(3)
    ) throws {
        let link = try MasterLink(master: master, context: context, patience: masterTimeout)
        let routes = ControlRoutes(graph: graph, link: link)
        do {
            http = try HTTPServer(address: address) { routes.respond(to: $0) }
        } catch {
            link.stop()
            throw error
        }
        self.link = link
        self.address = HTTPAddress(host: address.host, port: http.port)
    }

    /// Stops listening, waits for the requests in hand, and closes the
    /// connection to the master.
    public func stop() {
        http.stop()
        link.stop()
    }
}

/// What each path answers.
struct ControlRoutes: Sendable {
    let graph: PipelineGraph
    let link: MasterLink

    func respond(to request: HTTPRequest) -> HTTPResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        switch parts.first ?? "" {
        case "" where parts.count <= 1:
            return only("GET", request) { HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", body: Array(Dashboard.html.utf8)) }
        case "ping" where parts.count == 1:
            return only("GET", request) {
                try link.call("PING") { client throws(ControlError) in try client.ping() }
                return HTTPResponse(status: 200, contentType: "text/plain; charset=utf-8", body: Array("pong".utf8))
            }
        case "recipe-info" where parts.count == 1:
            return only("GET", request) { .json(try link.call("RECIPE-INFO") { client throws(ControlError) in try client.recipeInfo() }) }
        case "worker-info" where parts.count == 1:
            return only("GET", request) { .json(try link.call("WORKER-INFO") { client throws(ControlError) in try client.workerInfo() }) }
        case "node-metrics" where parts.count == 1:
            return only("GET", request) { .json(try link.call("METRICS") { client throws(ControlError) in try client.nodeMetrics() }) }
        case "metrics" where parts.count == 1:
            return only("GET", request) {
                let (recipes, workers, metrics) = try link.call("METRICS") { client throws(ControlError) in
                    (try client.recipeInfo(), try client.workerInfo(), try client.nodeMetrics())
                }
                let text = PrometheusText.render(recipes: recipes, workers: workers, metrics: metrics)
                return HTTPResponse(status: 200, contentType: PrometheusText.contentType, body: Array(text.utf8))
            }
        case "pipeline" where parts.count == 1:
            return only("GET", request) { .json(graph) }
        case "start-node" where parts.count == 2:
            return only("POST", request) {
                let type = try Self.identifier(parts[1], what: "node type").uppercased()
                try link.call("START-NODE-REQUEST") { client throws(ControlError) in try client.startNode(type: type) }
                return .json(Sent(requestSentToWorker: true, errorMessage: nil), status: 201)
            }
        case "stop-worker" where parts.count == 2:
            return only("POST", request) {
                let id = try Self.identifier(parts[1], what: "worker id")
                try link.call("STOP-WORKER-REQUEST") { client throws(ControlError) in try client.stopWorker(id: id) }
                return .json(Sent(requestSentToWorker: true, errorMessage: nil), status: 201)
            }
        default:
            return .error(404, "no such resource: \(request.path)")
        }
    }

    /// Answers `request` with `body` if its method is `method`, else 405;
    /// turns what `body` throws into an error answer.
    private func only(_ method: String, _ request: HTTPRequest, _ body: () throws -> HTTPResponse) -> HTTPResponse {
        guard request.method == method else {
            var response = HTTPResponse.error(405, "\(request.path) takes \(method), not \(request.method)")
            response.headers["Allow"] = method
            return response
        }
        do {
            return try body()
        } catch let error as BadRequest {
            return .error(400, error.message, sent: request.method == "POST" ? false : nil)
        } catch let error as ControlError {
            let sent: Bool? = request.method == "POST" ? false : nil
            switch error {
            case .refused(let reason, let status): return .error(status, reason, sent: sent)
            case .timedOut, .transport: return .error(503, error.description, sent: sent)
            case .unexpectedReply: return .error(502, error.description, sent: sent)
            }
        } catch {
            return .error(500, "\(error)")
        }
    }

    /// A node type or worker id: 1 to 128 ASCII letters, digits, `-`, `_` or `.`.
    private static func identifier(_ text: String, what: String) throws(BadRequest) -> String {
        let allowed = text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
        guard (1...128).contains(text.count), allowed else {
            throw BadRequest(message: "'\(text)' is not a \(what): use 1 to 128 letters, digits, '-', '_' or '.'")
        }
        return text
    }
}

private struct BadRequest: Error {
    let message: String
}

/// The answer to a start or stop request, as in the original REST API.
private struct Sent: Encodable {
    let requestSentToWorker: Bool?
    let errorMessage: String?

    enum CodingKeys: String, CodingKey {
        case requestSentToWorker = "request_sent_to_worker"
        case errorMessage = "error_message"
    }
}

extension HTTPResponse {
    static func json<T: Encodable>(_ value: T, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: MMOPJSON.encode(value))
    }

    /// An error with a JSON body; start and stop requests also say the
    /// request did not go to a worker.
    fileprivate static func error(_ status: Int, _ message: String, sent: Bool? = nil) -> HTTPResponse {
        .json(Sent(requestSentToWorker: sent, errorMessage: message), status: status)
    }
}
