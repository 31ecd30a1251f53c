/// A minimal, bounded XML element tree: enough for OpenCV's FileStorage cascade files
/// (elements, text, comments, the `<?xml?>` prolog; attributes are skipped).
struct CascadeXMLElement {
    var name: String
    var text: String = ""
    var children: [CascadeXMLElement] = []

    func child(_ name: String) -> CascadeXMLElement? { children.first { $0.name == name } }

    /// Whitespace-separated numbers of the element's text.
    var numbers: [Double] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).compactMap { Double($0) }
    }
}

enum CascadeXMLParser {
    static let maxDepth = 64
    static let maxElements = 2_000_000

    /// Parses `bytes` into the root element; `path` is used in error messages.
    static func parse(_ bytes: [UInt8], path: String) throws -> CascadeXMLElement {
        var stack: [CascadeXMLElement] = [CascadeXMLElement(name: "#document")]
        var count = 0
        var i = 0
        let n = bytes.count
        func fail(_ why: String) -> FaceDetectionError { .invalidCascade(path: path, reason: why) }
        func starts(_ s: String, at p: Int) -> Bool {
            var q = p
            for c in s.utf8 {
                if q >= n || bytes[q] != c { return false }
                q += 1
            }
            return true
        }
        func find(_ s: String, from p: Int) -> Int? {
            let first = s.utf8.first!
            var q = p
            while q < n {
                if bytes[q] == first && starts(s, at: q) { return q }
                q += 1
            }
            return nil
        }
        while i < n {
            if bytes[i] != UInt8(ascii: "<") {
                let start = i
                while i < n && bytes[i] != UInt8(ascii: "<") { i += 1 }
                stack[stack.count - 1].text += String(decoding: bytes[start..<i], as: UTF8.self)
                continue
            }
            if starts("<!--", at: i) {
                guard let e = find("-->", from: i + 4) else { throw fail("unterminated comment") }
                i = e + 3
            } else if starts("<?", at: i) {
                guard let e = find("?>", from: i + 2) else { throw fail("unterminated declaration") }
                i = e + 2
            } else if starts("</", at: i) {
                guard let e = find(">", from: i) else { throw fail("unterminated closing tag") }
                let name = String(decoding: bytes[(i + 2)..<e], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                guard stack.count > 1, stack[stack.count - 1].name == name else {
                    throw fail("closing tag </\(name)> does not match")
                }
                let done = stack.removeLast()
                stack[stack.count - 1].children.append(done)
                i = e + 1
            } else {
                guard let e = find(">", from: i) else { throw fail("unterminated tag") }
                var inner = String(decoding: bytes[(i + 1)..<e], as: UTF8.self)
                let selfClosing = inner.hasSuffix("/")
                if selfClosing { inner.removeLast() }
                let name = String(inner.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).first ?? "")
                guard !name.isEmpty else { throw fail("empty tag name") }
                count += 1
                guard count <= maxElements else { throw fail("more than \(maxElements) elements") }
                if selfClosing {
                    stack[stack.count - 1].children.append(CascadeXMLElement(name: name))
                } else {
                    guard stack.count < maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
                    stack.append(CascadeXMLElement(name: name))
                }
                i = e + 1
            }
        }
        guard stack.count == 1 else { throw fail("file ends inside <\(stack.last!.name)>") }
        return stack[0]
    }
}

import Foundation
