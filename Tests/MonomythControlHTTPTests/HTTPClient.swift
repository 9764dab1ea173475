import Foundation
import Testing

/// One HTTP exchange made by `curl` in a child process: a real socket,
/// nothing shared with the server under test.
struct Exchange {
    var status: Int
    var contentType: String
    var body: String
    var allow: String?

    func json<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(type, from: Data(body.utf8)) }
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
}

struct CurlFailed: Error, CustomStringConvertible {
    let status: Int32
    var description: String { "curl exited with status \(status)" }
}

/// Runs `executable` with `arguments` to its end; its standard output and exit status.
func runProgram(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("program-\(UUID()).out")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    process.standardOutput = try FileHandle(forWritingTo: output)
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
}

/// `METHOD http://127.0.0.1:port/path` with curl; throws if curl could not
/// connect or gave up after `timeout`.
func http(_ method: String, _ port: UInt16, _ path: String, timeout: Int = 10) throws -> Exchange {
    let headers = FileManager.default.temporaryDirectory.appendingPathComponent("headers-\(UUID())")
    defer { try? FileManager.default.removeItem(at: headers) }
    let (status, output) = try runProgram("/usr/bin/curl", [
        "--silent", "--max-time", "\(timeout)", "--request", method, "--dump-header", headers.path,
        "--write-out", "\n%{http_code}\n%{content_type}", "http://127.0.0.1:\(port)\(path)",
    ])
    guard status == 0 else { throw CurlFailed(status: status) }
    let lines = output.components(separatedBy: "\n")
    let allow = (try? String(contentsOf: headers, encoding: .utf8))?.components(separatedBy: "\r\n")
        .first { $0.lowercased().hasPrefix("allow:") }.map { String($0.dropFirst(6)).trimmingCharacters(in: .whitespaces) }
    return Exchange(
        status: Int(lines[lines.count - 2]) ?? 0, contentType: lines[lines.count - 1],
        body: lines.dropLast(2).joined(separator: "\n"), allow: allow)
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
func eventually(_ timeout: Duration = .seconds(10), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}

/// This process's threads: their names by thread id.
func threads() -> [String: String] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    return Dictionary(uniqueKeysWithValues: tasks.compactMap { task in
        (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))
            .map { (task, $0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    })
}
