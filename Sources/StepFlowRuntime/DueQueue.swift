import Foundation

/// A min-heap of (due time, process id) for the in-memory store: the next due process is at the top.
///
/// Entries are never removed in place: when a process's due time changes a new entry is pushed, and
/// stale entries are recognised (and dropped) by comparing them with the record.
struct DueQueue {
    struct Entry {
        var due: Date
        var id: ProcessID
    }

    private var heap: [Entry] = []

    var top: Entry? { heap.first }

    mutating func push(_ due: Date, _ id: ProcessID) {
        heap.append(Entry(due: due, id: id))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].due < heap[parent].due else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func pop() -> Entry? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let entry = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].due < heap[smallest].due { smallest = left }
            if right < heap.count, heap[right].due < heap[smallest].due { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return entry
    }

    /// The entries due at or before `now`, visiting only the part of the heap that is due.
    func due(at now: Date) -> [Entry] {
        var result: [Entry] = []
        var stack = heap.isEmpty ? [] : [0]
        while let index = stack.popLast() {
            guard heap[index].due <= now else { continue }
            result.append(heap[index])
            for child in [2 * index + 1, 2 * index + 2] where child < heap.count { stack.append(child) }
        }
        return result
    }
}
