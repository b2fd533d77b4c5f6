# SPDX-License-Identifier: GPL-2.0-or-later
# A Debian package of the plugin: `cpack -G DEB` in the build folder (after the build) writes
# wireshark-plugin-ws_<version>_<arch>.deb. It installs ws.so into the system plugin folder of the
# Wireshark it was built against (pkg-config wireshark's plugindir, .../plugins/<major.minor>/epan)
# and depends on exactly that libwireshark ABI: the library package named after its soname
# (libwireshark16 for 4.0) in the version range <major.minor>.0 to <major.minor+1>~, so a 4.0
# package refuses to install beside 4.4 (libwireshark18). tools/package-test.sh checks both.
#
# The package has its own install component, "deb", so it never picks up the personal folder that
# WS_INSTALL_SCOPE=user gives `cmake --install`.

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
    pkg_get_variable(WS_DEB_PLUGINDIR wireshark plugindir)
endif()
if(NOT WS_DEB_PLUGINDIR)
    set(WS_DEB_PLUGINDIR "${Wireshark_PLUGIN_INSTALL_DIR}")
endif()
if(NOT WS_DEB_PLUGINDIR MATCHES "^/usr/")
    message(WARNING "package: plugin folder ${WS_DEB_PLUGINDIR} is not under /usr; `cpack -G DEB` will not work")
endif()
string(REGEX REPLACE "^/usr/" "" _ws_deb_dest "${WS_DEB_PLUGINDIR}/epan")
install(TARGETS ws LIBRARY DESTINATION "${_ws_deb_dest}" COMPONENT deb EXCLUDE_FROM_ALL NAMELINK_SKIP)

# libwireshark's soname (libwireshark.so.16) names the Debian library package (libwireshark16).
set(_ws_soname "")
foreach(_cfg NONE RELEASE RELWITHDEBINFO DEBUG NOCONFIG)
    get_target_property(_s epan IMPORTED_SONAME_${_cfg})
    if(_s)
        set(_ws_soname "${_s}")
        break()
    endif()
endforeach()
if(NOT _ws_soname MATCHES "^libwireshark\\.so\\.([0-9]+)$")
    message(WARNING "package: libwireshark soname not found (got '${_ws_soname}'); the .deb's dependency is a guess")
    set(_ws_sover "${Wireshark_MAJOR_VERSION}${Wireshark_MINOR_VERSION}")
else()
    set(_ws_sover "${CMAKE_MATCH_1}")
endif()
set(WS_DEB_LIBPKG "libwireshark${_ws_sover}")
math(EXPR _ws_next_minor "${Wireshark_MINOR_VERSION} + 1")
set(_ws_abi "${Wireshark_MAJOR_VERSION}.${Wireshark_MINOR_VERSION}")
set(WS_DEB_DEPENDS
    "${WS_DEB_LIBPKG} (>= ${_ws_abi}.0), ${WS_DEB_LIBPKG} (<< ${Wireshark_MAJOR_VERSION}.${_ws_next_minor}~)")

execute_process(COMMAND dpkg --print-architecture OUTPUT_VARIABLE _ws_arch
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT _ws_arch)
    set(_ws_arch amd64)
endif()
# The plugin's version, then the Wireshark series it is for: 0.1.0+wireshark4.0.
set(WS_DEB_VERSION "${PROJECT_VERSION}+wireshark${_ws_abi}")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wireshark-plugin-ws)
set(CPACK_PACKAGE_VERSION "${WS_DEB_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "WebSocket (RFC 6455) dissector plugin for Wireshark ${_ws_abi}")
set(CPACK_PACKAGE_CONTACT "ws plugin maintainers <maintainers@users.noreply.b-seed-9dc76406.example>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL deb)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_FILE_NAME "wireshark-plugin-ws_${WS_DEB_VERSION}_${_ws_arch}.deb")
set(CPACK_DEBIAN_PACKAGE_NAME wireshark-plugin-ws)
set(CPACK_DEBIAN_PACKAGE_VERSION "${WS_DEB_VERSION}")
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "${_ws_arch}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${WS_DEB_DEPENDS}")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "tshark | wireshark")
# libc6, libglib2.0-0, zlib1g (and libwireshark again) from dpkg-shlibdeps, when dpkg-dev is there.
find_program(WS_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(WS_DPKG_SHLIBDEPS)
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
endif()
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"Decodes WebSocket traffic in captures that Wireshark's built-in dissector
leaves as plain TCP: captures that started after the HTTP Upgrade, odd ports,
large, fragmented and permessage-deflate messages. Filter name: ws.
Built for Wireshark ${Wireshark_VERSION}; loads in every ${_ws_abi}.x release.")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
include(CPack)
message(STATUS "package: ${CPACK_DEBIAN_FILE_NAME} -> ${WS_DEB_PLUGINDIR}/epan, Depends: ${WS_DEB_DEPENDS}")
