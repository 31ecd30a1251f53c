// rppg-bench: benchmarks (issue 9). Subcommands are added per benchmark family.
import TensorCore
print("rppg-bench: cores=\(Parallel.availableCores)")
