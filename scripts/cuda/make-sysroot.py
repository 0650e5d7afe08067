#!/usr/bin/env python3
"""Packs Impasto's Debian build dependencies into a folder that a GPU machine without them can build
against: headers, CMake and pkg-config files and the libraries they name, from this Debian machine.

    scripts/cuda/make-sysroot.py OUT        # then: scripts/cuda/check.sh OUT (on the GPU machine)

Libraries that Impasto's image path uses are copied as they are. The rest of their dependency tree
(GDAL, GStreamer, the video codecs, ... about 250 libraries, 330 MB) is replaced by stubs: libraries
with the same name and symbols whose functions do nothing and return 0 (IMPASTO_STUB_TRACE=1 names each
call). They satisfy the loader (Debian links with BIND_NOW) and the calls made at load time, so on
such a machine video decoding and encoding, and image formats beyond PNG, JPEG, WebP and EXR, are not
available; the GPU checks do not use them.
The C and C++ runtimes (glibc, libstdc++, libgcc, libgomp) are the GPU machine's own.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

MULTIARCH = "x86_64-linux-gnu"
LIBDIR = Path("/usr/lib") / MULTIARCH
ROOT_PACKAGES = [
    "libopencv-dev", "libopencv-contrib-dev", "nlohmann-json3-dev", "libcli11-dev", "libmatio-dev", "libhdf5-dev",
    "libgtest-dev", "libssl-dev", "libcpp-httplib-dev", "libsndfile1-dev", "libjpeg62-turbo-dev", "libpng-dev",
    "libwebp-dev", "libeigen3-dev", "libavformat-dev", "libavcodec-dev", "libswresample-dev", "libavutil-dev",
    "libopenblas-dev", "zlib1g-dev", "libbrotli-dev",
]
# Development packages whose own files are never needed (their libraries are stubbed or unused).
SKIPPED_DEV = re.compile(r"^(libgdal|libgstreamer|libgst|libvtk|libqt|libgl|libx11|libxext|libdc1394|libraw1394|"
                         r"libgphoto|libavdevice|libavfilter|libpostproc|libtesseract|libleptonica|libogre|"
                         r"libopenexr|libimath|libtiff|libgdcm|libopenjp2|libjbig|liblerc|libdeflate|libhdf4|"
                         r"libcurl|libva|libvdpau|libdrm|libsdl|libpulse|libasound|libjack|libbluray|libx264|"
                         r"libx265|libvpx|libaom|libdav1d|libcodec2|libzvbi|libssh|libgnutls|libxml2|libicu|"
                         r"libglib|libpcre|libffi|libmount|libblkid|libselinux|libsepol|libuuid|libbsd|libmd|"
                         r"libexpat|libfreetype|libfontconfig|libharfbuzz|libcairo|libpango|libpixman|libxcb|"
                         r"libxau|libxdmcp|libxrender|libxfixes|libice|libsm|libxt|libxi|libxmu|libxpm|libxft|"
                         r"libarmadillo|libarpack|libsuperlu|liblapack|libblas|libgfortran|libnetcdf|libproj|"
                         r"libgeos|libspatialite|libsqlite|libpoppler|libqhull|libkml|liburiparser|libminizip|"
                         r"libxerces|libfyba|libogdi|libfreexl|libgeotiff|libheif|libwebpdecoder|libcfitsio|"
                         r"libpq|libmariadb|libodbc|libzmq|libsodium|libpgm|libnorm|libkrb5|libgssapi|libcom-err|"
                         r"libldap|libsasl|libnghttp|libpsl|librtmp|libidn|libunistring|libtasn1|libp11|libnettle|"
                         r"libhogweed|libgmp|libzstd|liblzma|libbz2|libltdl|libnuma|libudev|libusb|"
                         r"libunwind|libelf|libdw|libmfx|libopencl|ocl-icd|opencl|libjs|libtbb|libgcc|libstdc|libc6|libc-dev|"
                         r"linux-libc|libcrypt|libtirpc|libnsl|libblosc|liblz4|libsnappy|libaec|libsz|libogg|"
                         r"libvorbis|libflac|libopus|libmpg123|libmp3lame|libgsm|libspeex|libtheora|libtwolame|"
                         r"libshine|libsoxr|libswscale|libchromaprint|libgme|libopenmpt|libxvid|libsvtav1|librav1e|"
                         r"libsrt|librist|librabbitmq|libudfread|libcjson|libmbedtls|libmbedcrypto|libde265|libjxl|"
                         r"libhwy|liblcms|libgif|libwebpmux|libsharpyuv|libyuv|libexif|libvulkan|libegl|libgles|"
                         r"libglx|libglvnd|libopengl|libwayland|libxkb|libatk|libgtk|libgdk|libepoxy|librsvg|"
                         r"libthai|libdatrie|libfribidi|libgraphite|libpng-tools|libjpeg-turbo-progs|libomp|"
                         r"libllvm|libclang|libprotobuf|libabsl|libnspr|libnss|libdbus|libsystemd|libcap|"
                         r"libgcrypt|libgpg|libkeyutils|libe2p|libext2|libattr|libacl|libaudit|libpam|"
                         r"libvtk|libhwloc|libevent|libfabric|libpsm|libibverbs|librdmacm|libucx|libopenmpi|"
                         r"libpmix|libmunge|libxnvctrl|libgtest-dev-never)")
# Runtime libraries copied as they are: the ones Impasto's image path, weights and tests call.
KEPT = re.compile(r"^lib(opencv_\w+|jpeg|png16|webp|webpmux|webpdemux|sharpyuv|tbb|tbbmalloc|openblas|gfortran|"
                  r"quadmath|blas|lapack|matio|hdf5_serial|hdf5_serial_hl|sz|aec|z|sndfile|FLAC|ogg|vorbis|"
                  r"vorbisenc|vorbisfile|opus|mpg123|mp3lame|crypto|ssl|zstd|lzma|bz2|gtest|gtest_main|gmock|"
                  r"gmock_main|cpp-httplib|brotlicommon|brotlidec|brotlienc|OpenEXR-3_1|Imath-3_1|Iex-3_1|IlmThread-3_1)\.so")
# The libraries Impasto links (CMakeLists.txt); the closure of their dependencies is packed. Any other
# library a development package links (OpenCV's other modules) becomes an empty stub, there only
# because CMake's package files check that every library they declare exists.
LINKED = ["libopencv_core.so", "libopencv_imgproc.so", "libopencv_imgcodecs.so", "libopencv_videoio.so",
          "libopencv_video.so", "libopencv_optflow.so", "libopencv_photo.so", "libopencv_ximgproc.so",
          "libmatio.so", "hdf5/serial/libhdf5.so", "libavformat.so", "libavcodec.so", "libswresample.so",
          "libavutil.so", "libopenblas.so", "libcrypto.so", "libssl.so", "libsndfile.so", "libjpeg.so",
          "libpng16.so", "libwebp.so", "libcpp-httplib.so", "libz.so"]
# The GPU machine's own: the compiler's runtimes and glibc.
SYSTEM = re.compile(r"^(libc|libm|libdl|libpthread|librt|libutil|libresolv|ld-linux-x86-64|libstdc\+\+|libgcc_s|"
                    r"libgomp|libatomic|libmvec)\.so")


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def depends(package):
    out = run("dpkg-query", "-W", "-f=${Depends}", package)
    names = []
    for alternatives in out.split(","):
        first = alternatives.split("|")[0].strip()
        if first:
            names.append(first.split()[0].split(":")[0])
    return names


def dev_packages():
    seen, stack = set(), list(ROOT_PACKAGES)
    while stack:
        package = stack.pop()
        if package in seen:
            continue
        seen.add(package)
        for dep in depends(package):
            if (dep.endswith("-dev") or dep.endswith("-headers")) and not SKIPPED_DEV.match(dep) and dep not in seen:
                try:
                    run("dpkg-query", "-W", dep)
                except subprocess.CalledProcessError:
                    continue  # a virtual package, or one not installed
                stack.append(dep)
    return sorted(seen)


WANTED_DIRS = ("/usr/include/", f"/usr/lib/{MULTIARCH}/pkgconfig/", f"/usr/lib/{MULTIARCH}/cmake/",
               "/usr/share/pkgconfig/", "/usr/share/cmake/", "/usr/lib/cmake/", "/usr/src/googletest/")


def wanted(path):
    if path.startswith(WANTED_DIRS):
        return True
    if path.startswith(str(LIBDIR) + "/") and os.path.islink(path) and os.path.isdir(path):
        return True  # include folders linked from the library folder (hdf5/serial/include)
    name = os.path.basename(path)
    return path.startswith(str(LIBDIR) + "/") and (name.endswith(".so") or re.match(r"lib(gtest|gmock).*\.a$", name))


def copy_file(src, root):
    dest = root / src.lstrip("/")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_symlink() or dest.exists():
        return
    if os.path.islink(src) and (os.path.isdir(src) or (".so" in os.path.basename(src) and src.startswith(str(LIBDIR)))):
        os.symlink(os.readlink(src), dest)  # folder links, and library links (redirected to lib/ later)
    elif os.path.isfile(src):
        shutil.copy2(os.path.realpath(src), dest)  # files, also behind Debian's alternatives


def needed(library):
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run("readelf", "-d", library))


def soname(library):
    found = re.findall(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", run("readelf", "-d", library))
    return found[0] if found else os.path.basename(library)


def locate(name):
    for folder in (LIBDIR, LIBDIR / "hdf5" / "serial", Path("/lib") / MULTIARCH, Path("/usr/lib")):
        if (folder / name).exists():
            return os.path.realpath(folder / name)
    raise SystemExit(f"make-sysroot: {name} not found")


def write_stub(library, dest_dir, work, empty=False):
    """A library named as `library`, defining its exported symbols (functions return 0), or none when
    `empty`."""
    name = soname(library)
    if empty:
        c_file = work / (name + ".c")
        c_file.write_text("")
        subprocess.run(["gcc", "-shared", "-o", str(dest_dir / name), str(c_file), "-Wl,-soname," + name], check=True)
        return
    rows = run("readelf", "--dyn-syms", "-W", library).splitlines()
    versions = {}  # version -> [symbols]; "" for unversioned
    objects, functions, tls = [], [], []
    for row in rows:
        fields = row.split()
        if len(fields) < 8 or not fields[0].rstrip(":").isdigit() or fields[6] in ("UND", "ABS"):
            continue
        size, kind, bind, symbol = fields[2], fields[3], fields[4], fields[7]
        if bind not in ("GLOBAL", "WEAK") or kind not in ("FUNC", "OBJECT", "IFUNC", "TLS"):
            continue
        version = ""
        if "@@" in symbol:
            symbol, version = symbol.split("@@")
        elif "@" in symbol:
            continue  # older, non-default versions: nothing built today refers to them
        if symbol == version:
            continue
        versions.setdefault(version, []).append(symbol)
        size = int(size, 0) if size.startswith("0x") else int(size)
        (objects if kind == "OBJECT" else tls if kind == "TLS" else functions).append((symbol, max(size, 1)))
    # A stub returns 0 (null, false): libraries call some at load time (OpenCV registers GDAL's
    # drivers before its first imread). IMPASTO_STUB_TRACE=1 names each call.
    source = ['#include <stdio.h>', '#include <stdlib.h>',
              'static long stub_called(const char* s) { if (getenv("IMPASTO_STUB_TRACE")) fprintf(stderr, '
              '"impasto GPU sysroot: %s (stubbed library ' + name + ') was called\\n", s); return 0; }']
    for i, (symbol, _) in enumerate(functions):
        source.append(f'long f{i}(void) __asm__("{symbol}"); long f{i}(void) {{ return stub_called("{symbol}"); }}')
    for i, (symbol, size) in enumerate(objects):
        source.append(f'char o{i}[{size}] __asm__("{symbol}") = {{0}};')
    for i, (symbol, size) in enumerate(tls):
        source.append(f'__thread char t{i}[{size}] __asm__("{symbol}") = {{0}};')
    c_file = work / (name + ".c")
    c_file.write_text("\n".join(source) + "\n")
    script = []
    for version, symbols in versions.items():
        if version:
            script.append(version + " { global: " + " ".join(s + ";" for s in symbols) + " };")
    map_file = work / (name + ".map")
    map_file.write_text("\n".join(script) + "\n")
    args = ["gcc", "-shared", "-fPIC", "-O0", "-w", "-o", str(dest_dir / name), str(c_file), "-Wl,-soname," + name]
    if script:
        args.append("-Wl,--version-script=" + str(map_file))
    subprocess.run(args, check=True)


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    root = Path(sys.argv[1]).resolve()
    if root.exists():
        shutil.rmtree(root)
    lib_out = root / "lib"
    lib_out.mkdir(parents=True)
    work = root / "stub-sources"
    work.mkdir()

    packages = dev_packages()
    roots = set()
    for package in packages:
        try:
            files = run("dpkg-query", "-L", package).splitlines()
        except subprocess.CalledProcessError:
            continue  # virtual
        for path in files:
            if wanted(path):
                copy_file(path, root)
                if path.endswith(".so") and os.path.exists(path):
                    roots.add(os.path.realpath(path))
    # Every pkg-config file (small), since a package's file names others it requires (cpp-httplib: brotli).
    for folder in (LIBDIR / "pkgconfig", Path("/usr/share/pkgconfig")):
        for entry in folder.glob("*.pc"):
            if not (root / str(entry).lstrip("/")).exists():
                copy_file(str(entry), root)
    # Links made by Debian's alternatives (cblas.h, hdf5.pc, libblas.so) belong to no package.
    for folder in (Path("/usr/include"), Path("/usr/include") / MULTIARCH, LIBDIR / "pkgconfig", LIBDIR):
        for entry in folder.iterdir():
            if entry.is_symlink() and os.readlink(entry).startswith("/etc/alternatives/") and wanted(str(entry)):
                copy_file(str(entry), root)
                if entry.name.endswith(".so"):
                    roots.add(os.path.realpath(entry))
    # Every library named by a development link, and the libraries they need, by soname.
    linked = [os.path.realpath(LIBDIR / name) for name in LINKED]
    kept, stubbed, stack, seen = [], [], [(os.path.basename(r), r) for r in linked], set()
    while stack:
        name, path = stack.pop()
        lib_name = soname(path)
        if lib_name in seen or SYSTEM.match(lib_name):
            continue
        seen.add(lib_name)
        if KEPT.match(lib_name):
            kept.append(lib_name)
            shutil.copy2(path, lib_out / lib_name)
            for dep in needed(path):
                if dep not in seen and not SYSTEM.match(dep):
                    stack.append((dep, locate(dep)))
        else:
            stubbed.append(lib_name)
            write_stub(path, lib_out, work)
    for path in sorted(roots):
        if soname(path) not in seen:
            seen.add(soname(path))
            write_stub(path, lib_out, work, empty=True)
    # Every name the library has on this machine (CMake files name libopencv_core.so.4.6.0), linked to lib/.
    names = {}
    for entry in LIBDIR.iterdir():
        if entry.name.startswith("lib") and ".so" in entry.name:
            names.setdefault(os.path.realpath(entry), []).append(entry.name)
    for real, entry_names in names.items():
        if not os.path.isfile(real):
            continue
        try:
            lib_name = soname(real)
        except subprocess.CalledProcessError:
            continue
        if not (lib_out / lib_name).exists():
            continue
        for entry_name in entry_names:
            link = root / "usr/lib" / MULTIARCH / entry_name
            if not link.exists() and not link.is_symlink():
                link.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(os.path.relpath(lib_out / lib_name, link.parent), link)
    # The development links (libfoo.so) point into usr/lib/...; make them point at lib/ instead.
    for link in (root / "usr").rglob("*.so"):
        if link.is_symlink() or link.is_file():
            target = soname(os.path.realpath("/" + str(link.relative_to(root)))) if link.is_symlink() else None
            if target and (lib_out / target).exists():
                link.unlink()
                os.symlink(os.path.relpath(lib_out / target, link.parent), link)
    shutil.rmtree(work)
    print(f"make-sysroot: {len(packages)} development packages, {len(kept)} libraries kept, "
          f"{len(stubbed)} stubbed, in {root}")


if __name__ == "__main__":
    main()
