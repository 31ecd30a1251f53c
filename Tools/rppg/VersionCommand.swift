import ArgumentParser
import Workflow

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "modules", abstract: "List the library modules.")
    func run() throws {
        print(WorkflowModule.name)
    }
}
