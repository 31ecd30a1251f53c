import ArgumentParser

/// Every subcommand, in the order `rppg --help` lists them. Add one line per new command.
let allSubcommands: [ParsableCommand.Type] = [
    PipelineCommand.self,
    VerifyCommand.self,
    DeployCheckCommand.self,
    DeployBuildCommand.self,
    DeployRunCommand.self,
    InspectCommand.self,
    ModelsCommand.self,
    ConvertCommand.self,
    BenchLoadCommand.self,
    BaselineCommand.self,
    PreprocessCommand.self,
    SynthCommand.self,
    InferCommand.self,
    MonitorCommand.self,
    ExportCommand.self,
    CalibrateCommand.self,
    QuantizeCommand.self,
    TrainCommand.self,
    QATCommand.self,
]
