import Foundation

/// A program started in the background, its output collected in files.
/// Tests ``kill()`` it in a `defer`, so a failing test leaves nothing running.
final class ChildProcess: @unchecked Sendable {
    private let process = Process()
    private let output: URL
    private let errors: URL

    init(_ executable: String, _ arguments: [String]) throws {
        let directory = FileManager.default.temporaryDirectory
        output = directory.appendingPathComponent("child-\(UUID()).out")
        errors = directory.appendingPathComponent("child-\(UUID()).err")
        for file in [output, errors] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
    }

    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }
    var stdout: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }

    /// Waits until the process exits; its status, or `nil` if still running after `timeout`.
    func wait(timeout: Duration) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: Double(timeout.components.seconds))
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return process.isRunning ? nil : process.terminationStatus
    }

    func signal(_ number: Int32) { Foundation.kill(process.processIdentifier, number) }

    /// Kills the process if it still runs, and removes its output files.
    func kill() {
        if process.isRunning {
            signal(SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: output)
        try? FileManager.default.removeItem(at: errors)
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let command: [String]
    let stderr: String
    var description: String { "\(command.joined(separator: " ")) did not exit in time; it was killed. stderr:\n\(stderr)" }
}

/// Runs a program to its end, killing it (and throwing) after `timeout`.
func run(
    _ executable: String, _ arguments: [String], timeout: Duration
) throws -> (status: Int32, stdout: String, stderr: String) {
    let child = try ChildProcess(executable, arguments)
    defer { child.kill() }
    guard let status = child.wait(timeout: timeout) else {
        throw TimedOut(command: [executable] + arguments, stderr: child.stderr)
    }
    return (status, child.stdout, child.stderr)
}

/// The `monomyth` client built beside the test bundle.
var monomythBinary: String {
    URL(fileURLWithPath: wordcountBinary).deletingLastPathComponent().appendingPathComponent("monomyth").path
}

/// A TCP port on 127.0.0.1 that nothing listens on right now: the system picks
/// one for a socket bound to port 0, which is then closed.
func freePort() throws -> Int {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw CommandFailed(output: "socket: \(errno)") }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
            bind(socket, address, length) == 0 && getsockname(socket, address, &length) == 0
        }
    }
    guard bound else { throw CommandFailed(output: "bind: \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
