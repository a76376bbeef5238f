// Factorizations: Cholesky, triangular solve, Householder QR (issue 2).
import GEMM
import LinearAlgebraCore
