import Foundation

/// One line of progress on standard error; the results go to standard output.
func progress(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
