# Reads LD_DEBUG=bindings output; prints where the C++ exception machinery's entry points
# and the CUDA runtime calls were bound: every binding made for tensorbridge's extension
# (_C.*.so), and any other library's binding of those entry points to something other than
# the system libstdc++ / libgcc_s / libc (a second copy of the C++ runtime in the process).
# Line format: "PID: binding file FROM [n] to TO [n]: normal symbol `NAME' [VERSION]".
$2 == "binding" {
  name = $11
  gsub(/[`']/, "", name)
  n = split($4, from_path, "/")
  m = split($7, to_path, "/")
  from = from_path[n]
  to = to_path[m]
  runtime = name ~ /^(__cxa_|_Unwind_|__gxx_personality_v0$|_ZSt17rethrow_exception|_ZSt9terminate)/
  ours = from ~ /^_C\./
  if ((ours && (runtime || name ~ /^cuda/)) ||
      (runtime && to != "libstdc++.so.6" && to != "libgcc_s.so.1" && to != "libc.so.6")) {
    print name " -> " to "   (from " from ")"
  }
}
