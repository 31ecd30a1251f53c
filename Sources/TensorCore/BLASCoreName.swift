import CBLAS

extension BLAS {
    /// The kernel family OpenBLAS chose when it loaded (`openblas_get_corename`), e.g. "SkylakeX",
    /// "Haswell", or "Prescott" when a DYNAMIC_ARCH build does not recognise the CPU.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
