{
  "targets": [
    {
      "target_name": "matgrad_native",
      "sources": ["matgrad_blas.c"],
      "include_dirs": ["<!@(node -p \"process.env.MATGRAD_CBLAS_INCLUDE || ''\")"],
      "libraries": [
        "<!@(node -p \"process.env.MATGRAD_BLAS_LIBDIR ? '-L' + process.env.MATGRAD_BLAS_LIBDIR + ' -Wl,-rpath,' + process.env.MATGRAD_BLAS_LIBDIR : ''\")",
        "-lopenblas"
      ],
      "cflags": ["-O2", "-std=c99", "-Wall", "-Wextra"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O2", "-std=c99"] }
    }
  ]
}
