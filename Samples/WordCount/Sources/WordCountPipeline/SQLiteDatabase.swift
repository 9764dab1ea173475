import CSQLite

/// A small wrapper over one SQLite connection, for use on one thread.
final class SQLiteDatabase {
    private var handle: OpaquePointer?
    let path: String

    /// Opens (creating if needed) the database at `path`.
    init(path: String) throws(SQLiteError) {
        self.path = path
        let status = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            handle = nil
            throw SQLiteError(context: "cannot open database '\(path)'", message: message)
        }
        sqlite3_busy_timeout(handle, 5_000)
    }

    deinit { sqlite3_close(handle) }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(SQLiteError) {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(error)
            throw SQLiteError(context: "database '\(path)'", message: message)
        }
    }

    func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw SQLiteError(context: "cannot prepare '\(sql)'", message: lastMessage)
        }
        return Statement(handle: statement, database: self)
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(handle)) }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// A prepared statement; reset after every ``run(_:)`` so it can run again.
    final class Statement {
        private let handle: OpaquePointer
        private let database: SQLiteDatabase

        fileprivate init(handle: OpaquePointer, database: SQLiteDatabase) {
            self.handle = handle
            self.database = database
        }

        deinit { sqlite3_finalize(handle) }

        /// Binds `values` (String or Int) and runs to completion, returning
        /// each row's columns as text or integer.
        @discardableResult
        func run(_ values: [Value] = []) throws(SQLiteError) -> [[Value]] {
            defer {
                sqlite3_reset(handle)
                sqlite3_clear_bindings(handle)
            }
            for (index, value) in values.enumerated() {
                let position = Int32(index + 1)
                switch value {
                case .text(let text): sqlite3_bind_text(handle, position, text, -1, sqliteTransient)
                case .integer(let number): sqlite3_bind_int64(handle, position, Int64(number))
                }
            }
            var rows: [[Value]] = []
            while true {
                switch sqlite3_step(handle) {
                case SQLITE_DONE: return rows
                case SQLITE_ROW: rows.append((0..<sqlite3_column_count(handle)).map(column))
                default: throw SQLiteError(context: "statement failed", message: database.lastMessage)
                }
            }
        }

        private func column(_ index: Int32) -> Value {
            if sqlite3_column_type(handle, index) == SQLITE_INTEGER {
                return .integer(Int(sqlite3_column_int64(handle, index)))
            }
            return .text(sqlite3_column_text(handle, index).map { String(cString: $0) } ?? "")
        }
    }

    enum Value: Equatable {
        case text(String)
        case integer(Int)

        var integer: Int? { if case .integer(let value) = self { value } else { nil } }
        var text: String? { if case .text(let value) = self { value } else { nil } }
    }
}

/// SQLITE_TRANSIENT: SQLite copies the bound bytes.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// An SQLite call that failed, with SQLite's own message.
public struct SQLiteError: Error, CustomStringConvertible {
    public let context: String
    public let message: String
    public var description: String { "\(context): \(message)" }
}
