/// Where a RabbitMQ broker is and how to log in: `amqp://user:password@host:port/vhost`.
///
/// Every part may be left out: user and password default to `guest`, the host
/// to `localhost`, the port to 5672 and the virtual host to `/`. User,
/// password and virtual host are percent-decoded, so the vhost `/` may also be
/// written `%2F` and a vhost named `a/b` must be written `a%2Fb`.
///
/// ```swift
/// let url = try AMQPURL(parsing: "amqp://guest:guest@127.0.0.1:5672/")
/// ```
public struct AMQPURL: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String
    public var host: String
    public var port: Int
    public var vhost: String

    public init(
        user: String = "guest", password: String = "guest", host: String = "localhost",
        port: Int = 5672, vhost: String = "/"
    ) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.vhost = vhost
    }

    /// Parses `text`; throws an ``AMQPURLError`` saying what is wrong with it.
    public init(parsing text: String) throws(AMQPURLError) {
        self.init()
        guard let schemeEnd = text.range(of: "://") else { throw .missingScheme }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "amqp" else { throw .unsupportedScheme(scheme) }
        var rest = text[schemeEnd.upperBound...]
        if rest.contains("?") || rest.contains("#") { throw .unsupportedQuery }

        let authority: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            rest = rest[rest.index(after: slash)...]
            if rest.contains("/") { throw .vhostNotOneSegment }
            if !rest.isEmpty { vhost = try Self.decode(rest, part: "virtual host") }
        } else {
            authority = rest
        }

        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.decode(userInfo[..<colon], part: "user")
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], part: "password")
            } else {
                user = try Self.decode(userInfo, part: "user")
            }
            if user.isEmpty { throw .emptyUser }
        }

        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw .unclosedIPv6Host }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let afterHost = hostPort[hostPort.index(after: close)...]
            if !afterHost.isEmpty {
                guard afterHost.hasPrefix(":") else { throw .unexpectedText(String(afterHost)) }
                portText = afterHost.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            if !hostPort[..<colon].isEmpty { host = String(hostPort[..<colon]) }
            portText = hostPort[hostPort.index(after: colon)...]
        } else if !hostPort.isEmpty {
            host = String(hostPort)
        }
        if let portText {
            guard let number = Int(portText), (1...65_535).contains(number) else {
                throw .invalidPort(String(portText))
            }
            port = number
        }
    }

    /// The URL without its password, fit for logs and error messages.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let shownVhost = vhost == "/" ? "" : vhost.replacingOccurrences(of: "/", with: "%2F")
        return "amqp://\(user)@\(shownHost):\(port)/\(shownVhost)"
    }

    /// Where and as whom, in words: `user guest at 127.0.0.1:5672, vhost "/"`.
    var summary: String { "user \(user) at \(host):\(port), vhost \"\(vhost)\"" }

    private static func decode(_ text: Substring, part: String) throws(AMQPURLError) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        while index < text.utf8.endIndex {
            let byte = text.utf8[index]
            index = text.utf8.index(after: index)
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            let hex = text.utf8[index...].prefix(2)
            guard hex.count == 2, let value = UInt8(String(decoding: hex, as: UTF8.self), radix: 16) else {
                throw .invalidPercentEncoding(part: part)
            }
            bytes.append(value)
            index = text.utf8.index(index, offsetBy: 2)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw .invalidPercentEncoding(part: part)
        }
        return decoded
    }
}

/// What is wrong with a text given as an ``AMQPURL``. Never repeats the password.
public enum AMQPURLError: Error, Equatable, CustomStringConvertible {
    case missingScheme
    case unsupportedScheme(String)
    case unsupportedQuery
    case vhostNotOneSegment
    case emptyUser
    case unclosedIPv6Host
    case unexpectedText(String)
    case invalidPort(String)
    case invalidPercentEncoding(part: String)

    public var description: String {
        let problem =
            switch self {
            case .missingScheme: "it does not start with amqp://"
            case .unsupportedScheme(let scheme): "the scheme is \"\(scheme)\"; only amqp is supported"
            case .unsupportedQuery: "query parameters (?…) and fragments (#…) are not supported"
            case .vhostNotOneSegment: "the virtual host must be one path segment; write a / inside it as %2F"
            case .emptyUser: "the user name before @ is empty"
            case .unclosedIPv6Host: "an IPv6 host opened with [ is not closed with ]"
            case .unexpectedText(let text): "unexpected \"\(text)\" after the host"
            case .invalidPort(let port): "the port \"\(port)\" is not a number from 1 to 65535"
            case .invalidPercentEncoding(let part): "the \(part) has a % not followed by two hex digits of UTF-8"
            }
        return "malformed AMQP URL: \(problem) (expected amqp://user:password@host:port/vhost)"
    }
}
