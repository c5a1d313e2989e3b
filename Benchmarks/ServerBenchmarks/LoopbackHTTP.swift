// A minimal HTTP/1.1 client over POSIX sockets to 127.0.0.1, on threads of its own: the benchmark's requests and
// event-stream listeners take no thread of Swift's cooperative pool, which the server and the worker run on.
import Foundation
import Synchronization

/// Requests to a server on the loopback interface.
enum LoopbackHTTP {
    /// A connected socket to `127.0.0.1:port`, with Nagle's delay off.
    static func connect(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw POSIXError(.init(rawValue: errno) ?? .ECONNREFUSED)
        }
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return socket
    }

    /// Sends `GET path` with `Connection: close`.
    static func sendGet(_ socket: Int32, path: String) throws {
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw POSIXError(.EPIPE) }
            sent += count
        }
    }

    /// `GET path`, read to the end of the response: its status and its size in bytes (head and body).
    static func get(port: Int, path: String) throws -> (status: Int, bytes: Int) {
        let socket = try connect(port: port)
        defer { close(socket) }
        try sendGet(socket, path: path)
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        // "HTTP/1.1 200 OK"
        let head = String(decoding: response.prefix(16), as: UTF8.self).split(separator: " ")
        return (head.count > 1 ? Int(head[1]) ?? 0 : 0, response.count)
    }

    /// Runs `body` on a new thread and returns what it returns, without blocking the caller's thread.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
}

/// A client of the live event stream: it connects, then reads (and counts) what the server sends on a thread of its
/// own until it is closed.
final class EventListener: Sendable {
    private let socket: Int32
    private let received = Atomic<Int>(0)
    private let events = Atomic<Int>(0)
    private let connected = Atomic<Bool>(false)
    private let ended = Atomic<Bool>(false)

    /// Connects to `path` on `port` and starts reading.
    init(port: Int, path: String) throws {
        socket = try LoopbackHTTP.connect(port: port)
        try LoopbackHTTP.sendGet(socket, path: path)
        let thread = Thread { [self] in read() }
        thread.stackSize = 256 << 10
        thread.start()
    }

    private func read() {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let marker = Array("event: process".utf8)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received.add(count, ordering: .relaxed)
            let chunk = buffer[0..<count]
            if !connected.load(ordering: .relaxed), String(decoding: chunk, as: UTF8.self).contains(": connected") {
                connected.store(true, ordering: .releasing)
            }
            // Events split across two reads are not counted: a figure to check that events flow, not an exact one.
            var index = chunk.startIndex
            while let found = chunk[index...].firstIndex(of: marker[0]) {
                if chunk[found...].starts(with: marker) { events.add(1, ordering: .relaxed) }
                index = chunk.index(after: found)
            }
        }
        ended.store(true, ordering: .releasing)
    }

    /// Whether the server has sent the stream's first line (it has read its baseline).
    var isConnected: Bool { connected.load(ordering: .acquiring) }

    /// How many `process` events were read.
    var eventCount: Int { events.load(ordering: .relaxed) }

    /// How many bytes were read.
    var byteCount: Int { received.load(ordering: .relaxed) }

    /// Closes the connection; the reading thread ends.
    func close() {
        shutdown(socket, Int32(SHUT_RDWR))
        while !ended.load(ordering: .acquiring) { usleep(1000) }
        Glibc.close(socket)
    }
}
