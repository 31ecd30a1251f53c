import ArgumentParser

/// Every subcommand, in the order `rppg --help` lists them. Add one line per new command.
let allSubcommands: [ParsableCommand.Type] = [
    VersionCommand.self,
    InspectCommand.self,
    ConvertCommand.self,
    BenchLoadCommand.self,
    BaselineCommand.self,
    PreprocessCommand.self,
    SynthCommand.self,
    CalibrateCommand.self,
    QuantizeCommand.self,
]
