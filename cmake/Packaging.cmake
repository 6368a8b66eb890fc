# Packaging of coldvault as a Debian tool (docs/adr/0014-packaging.md, docs/install.md):
# the version header, `cmake --install` rules, man pages and bash completion generated from the built
# CLI's own --help, the systemd unit, and CPack's DEB generator. Included once, from the root
# CMakeLists.txt, after the coldvault target exists.
include(GNUInstallDirs)

# --- version: project(VERSION) is the one source; main.cpp prints it for --version.
configure_file(${CMAKE_SOURCE_DIR}/cmake/version.hpp.in ${CMAKE_BINARY_DIR}/generated/coldvault_version.hpp @ONLY)
target_include_directories(coldvault PRIVATE ${CMAKE_BINARY_DIR}/generated)

# --- man pages and bash completion, generated from the built binary's --help at build time
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(CV_GEN_DIR ${CMAKE_BINARY_DIR}/packaging)
set(CV_FORMAT_DOCS blob=${CMAKE_SOURCE_DIR}/docs/blob-format.md bundle=${CMAKE_SOURCE_DIR}/docs/bundle-format.md
                   domain-transfer=${CMAKE_SOURCE_DIR}/docs/domain-transfer.md)
set(_cv_format_args)
foreach(f ${CV_FORMAT_DOCS})
  list(APPEND _cv_format_args --format ${f})
  string(REGEX REPLACE "^[^=]*=" "" _doc ${f})
  list(APPEND _cv_format_deps ${_doc})
endforeach()
add_custom_command(
  OUTPUT ${CV_GEN_DIR}/gen.stamp ${CV_GEN_DIR}/completion/coldvault ${CV_GEN_DIR}/man/man1/coldvault.1
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${CV_GEN_DIR}/man
  COMMAND Python3::Interpreter ${CMAKE_SOURCE_DIR}/packaging/gen-cli-docs.py --bin $<TARGET_FILE:coldvault>
          --version ${PROJECT_VERSION} --man-dir ${CV_GEN_DIR}/man --completion ${CV_GEN_DIR}/completion/coldvault
          --stamp ${CV_GEN_DIR}/gen.stamp ${_cv_format_args}
  DEPENDS coldvault ${CMAKE_SOURCE_DIR}/packaging/gen-cli-docs.py ${_cv_format_deps}
  COMMENT "Man pages and bash completion from coldvault --help"
  VERBATIM)
# Part of the default build, except in sanitizer builds (scripts/test's ASan tree): a package is never made
# from one, and LeakSanitizer's exit status would fail the generator for reasons unrelated to the pages.
if(COLDVAULT_SANITIZE)
  add_custom_target(coldvault_cli_docs DEPENDS ${CV_GEN_DIR}/gen.stamp)
else()
  add_custom_target(coldvault_cli_docs ALL DEPENDS ${CV_GEN_DIR}/gen.stamp)
endif()

# --- install rules (paths relative to the prefix; the package uses /usr)
install(TARGETS coldvault RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CV_GEN_DIR}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR} FILES_MATCHING PATTERN "*.gz")
install(FILES ${CV_GEN_DIR}/completion/coldvault DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
file(GLOB _cv_docs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${_cv_docs} ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/adr DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_SOURCE_DIR}/packaging/coldvault.env ${CMAKE_SOURCE_DIR}/packaging/examples/real-hsm.conf
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
# The service: unit, its system user, and the settings template postinst copies to /etc/coldvault
# (kept out of /usr/share/doc, which minimal images exclude).
install(FILES ${CMAKE_SOURCE_DIR}/packaging/coldvault.service DESTINATION lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/coldvault.sysusers DESTINATION lib/sysusers.d RENAME coldvault.conf)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/coldvault.env DESTINATION ${CMAKE_INSTALL_DATADIR}/coldvault)

# --- the .deb (scripts/package)
set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR "")
set(CPACK_PACKAGE_NAME coldvault)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR}/packages)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "offline, HSM-backed vault for keys, secrets and certificates")
set(CPACK_PACKAGE_DESCRIPTION "coldvault keeps keys, secrets and certificates in a PKCS#11 token (SoftHSM2
by default, or a real HSM) with Azure Key Vault's object model, backup blobs and
data-plane REST API (coldvault serve), for sites without a path to a cloud vault.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "coldvault maintainers <coldvault@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Linked libraries: computed by dpkg-shlibdeps. Not visible to it: the embedded token's PKCS#11 module,
# dlopen'ed from /usr/lib/softhsm/libsofthsm2.so (package libsofthsm2).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libsofthsm2")
# softhsm2-util for operators who inspect the embedded token; opensc for real HSMs and smart cards.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "softhsm2")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "opensc, bash-completion")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/prerm ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

# --- tests of the packaging (label pkg); the .deb itself is installed and run by scripts/test's package stage.
# Not in sanitizer builds, which do not generate the pages (above).
if(NOT COLDVAULT_SANITIZE)
add_test(NAME pkg.man_flags COMMAND bash ${CMAKE_SOURCE_DIR}/tests/pkg/man_flags.sh $<TARGET_FILE:coldvault>
         ${CV_GEN_DIR}/man)
add_test(NAME pkg.completion COMMAND bash ${CMAKE_SOURCE_DIR}/tests/pkg/completion.sh ${CV_GEN_DIR}/completion/coldvault)
add_test(NAME pkg.systemd_unit COMMAND bash ${CMAKE_SOURCE_DIR}/tests/pkg/systemd_unit.sh
         ${CMAKE_SOURCE_DIR}/packaging/coldvault.service $<TARGET_FILE:coldvault>)
add_test(NAME pkg.mdwe COMMAND bash ${CMAKE_SOURCE_DIR}/tests/pkg/mdwe.sh $<TARGET_FILE:coldvault>)
set_tests_properties(pkg.man_flags pkg.completion pkg.systemd_unit pkg.mdwe PROPERTIES LABELS pkg TIMEOUT 300)
endif()
