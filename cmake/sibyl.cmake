# add_unit_test(<name> SOURCES <files...> LIBS <libs...>)
# Builds one GoogleTest binary and registers its tests with ctest (label "unit").
function(add_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  gtest_discover_tests(${name} PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
endfunction()

# sibyl_library(<name> SOURCES <files...> PUBLIC_LIBS <...> PRIVATE_LIBS <...>)
# One CMake library per src/ folder; the link graph enforces the layering of ARCHITECTURE.md.
function(sibyl_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_PRIVATE_LIBS})
  if(SIBYL_SANITIZE)  # optimised, with coverage for the libFuzzer targets of tests/fuzz (issue 9)
    target_compile_options(${name} PRIVATE -O1 -fsanitize=fuzzer-no-link)
  endif()
endfunction()

# ---- Linker (CI time, docs/dev/ci.md) --------------------------------------------------------
# lld links 4-5x faster than GNU ld (CPU), and a build links ~45 executables (the sanitizer
# build's test binaries and fuzz targets each link RocksDB statically). Debian: lld
# (scripts/install-deps.sh). -DSIBYL_LLD=OFF keeps the compiler's default linker.
option(SIBYL_LLD "Link with lld when the compiler accepts -fuse-ld=lld" ON)
if(SIBYL_LLD)
  include(CheckLinkerFlag)
  check_linker_flag(CXX -fuse-ld=lld SIBYL_HAVE_LLD)
  if(SIBYL_HAVE_LLD)
    add_link_options(-fuse-ld=lld)
  endif()
endif()
# ---- end linker block ------------------------------------------------------------------------
