import Foundation
import Hummingbird

/// The fields of a dashboard form (`application/x-www-form-urlencoded`).
enum DashboardForm {
    /// Reads the request's form, keeping the body in the request for the handler; the body is limited to `limit`
    /// bytes (413 beyond). A field given twice keeps its last value.
    static func read(_ request: inout Request, limit: Int) async throws -> [String: String] {
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch {
            throw APIError.tooLarge(limit)
        }
        return parse(String(buffer: body))
    }

    /// The fields of urlencoded `text`.
    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]) else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return fields
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
