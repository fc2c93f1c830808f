# `cmake --install` lays out the SDK for plugin authors: headers, libvdep, vdep-run, the bundled
# plugins and a CMake package (find_package(vdep) + vdep_add_plugin()).
include(CMakePackageConfigHelpers)

install(TARGETS vdep EXPORT vdepTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/framework/include/vdep
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/vdep/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/vdep)

set(VDEP_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/vdep)
install(EXPORT vdepTargets NAMESPACE vdep:: DESTINATION ${VDEP_CMAKE_INSTALL_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/vdepConfig.cmake.in
  ${PROJECT_BINARY_DIR}/vdepConfig.cmake
  INSTALL_DESTINATION ${VDEP_CMAKE_INSTALL_DIR})
# Plugins must match the SDK ABI, which may change with any minor release before 1.0.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/vdepConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/vdepConfig.cmake
  ${PROJECT_BINARY_DIR}/vdepConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/VdepPlugin.cmake
  DESTINATION ${VDEP_CMAKE_INSTALL_DIR})
