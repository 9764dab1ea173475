import Foundation

/// Word counts computed independently of Monomyth, by Python's
/// `str.split()` and `str.lower()`.
func pythonWordCounts(of file: String) throws -> [String: Int] {
    let script = """
        import json, sys, collections
        words = open(sys.argv[1], encoding="utf-8").read().split()
        print(json.dumps(collections.Counter(w.lower() for w in words)))
        """
    let output = try run("/usr/bin/env", ["python3", "-c", script, file])
    guard output.status == 0 else { throw CommandFailed(output: output.stderr) }
    return try JSONDecoder().decode([String: Int].self, from: Data(output.stdout.utf8))
}

struct CommandFailed: Error { let output: String }

/// Runs a program to its end and returns its status and output.
func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes while the process runs so neither fills up.
    nonisolated(unsafe) var errData = Data()
    let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !reader.isFinished { Thread.sleep(forTimeInterval: 0.01) }
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// The `wordcount` executable built beside the test bundle.
var wordcountBinary: String {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("wordcount").path
}

/// A fresh temporary directory, removed by `cleanup`.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("wordcount-\(UUID())")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
