# vdep_add_plugin(NAME KIND SOURCES src...)
#
# Builds one vdep plugin: a shared library (CMake MODULE) named vdep_<kind>_<name>.so that links
# libvdep, exports nothing but its VDEP_PLUGIN entry point (hidden visibility and a linker version
# script) and refuses to link with undefined symbols, so that a missing function shows up at build
# time rather than at load time. KIND is one of encoder, llm, objective, dataset and must match the VDEP_PLUGIN declaration.
#
# Out of tree the library is written to the current binary folder (point VDEP_PLUGIN_PATH or
# --plugin-path at it) and `cmake --install` puts it in <prefix>/lib/vdep/plugins.
# The linker exports the entry point alone: hidden visibility still leaves C++ standard-library
# template instances in the dynamic symbol table, where another plugin's could bind to them.
set(VDEP_PLUGIN_EXPORTS_FILE "${CMAKE_CURRENT_BINARY_DIR}/vdep_plugin_exports.map")
file(WRITE "${VDEP_PLUGIN_EXPORTS_FILE}" "{\n  global: vdep_plugin_entry;\n  local: *;\n};\n")

function(vdep_add_plugin name kind)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  set(kinds encoder llm objective dataset)
  if(NOT kind IN_LIST kinds)
    message(FATAL_ERROR "vdep_add_plugin(${name} ${kind}): KIND must be one of: ${kinds}")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "vdep_add_plugin(${name} ${kind}): no SOURCES given")
  endif()

  set(target vdep_${kind}_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE vdep::vdep)
  target_link_options(${target} PRIVATE -Wl,--no-undefined "-Wl,--version-script=${VDEP_PLUGIN_EXPORTS_FILE}")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${VDEP_PLUGIN_EXPORTS_FILE}")
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${target}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    CXX_STANDARD 17
    CXX_STANDARD_REQUIRED ON)

  if(VDEP_IN_TREE)
    target_compile_options(${target} PRIVATE ${VDEP_WARNING_FLAGS})
    target_precompile_headers(${target} REUSE_FROM vdep_plugin_pch)
    # Installed in <prefix>/lib/vdep/plugins, two levels below libvdep.
    set_target_properties(${target} PROPERTIES
      LIBRARY_OUTPUT_DIRECTORY "${VDEP_PLUGIN_OUTPUT_DIR}"
      INSTALL_RPATH "$ORIGIN/../..")
    install(TARGETS ${target} LIBRARY DESTINATION "${VDEP_PLUGIN_INSTALL_DIR}")
  else()
    include(GNUInstallDirs)
    install(TARGETS ${target} LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}/vdep/plugins")
  endif()
endfunction()
