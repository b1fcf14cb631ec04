# The tutorial's container: a Debian 13 (trixie) system with what ./tour.sh and
# `cargo test --workspace` need, for a laptop that is not Linux (Docker Desktop
# on macOS or Windows), for Podman, and for VS Code Dev Containers and GitHub
# Codespaces (.devcontainer/devcontainer.json builds it). Build and run it from
# the top of the repository:
#
#   docker build -t seccomp-tutorial .
#   docker run --rm -it -v "$PWD":/work -w /work seccomp-tutorial
#
# (podman takes the same two commands). The README's section on containers says
# more, and the book's troubleshooting chapter what differs in a container.
#
# The image is Debian's official one, which is multi-arch: the same Dockerfile
# builds for amd64 (x86_64: Intel Macs, most Windows and Linux laptops) and
# arm64 (aarch64: Apple silicon, Windows on Arm), whichever the machine runs.
# Seccomp is Linux's: on macOS and Windows the container runs in the Linux
# virtual machine the runtime brings, and the steps filter that kernel's calls.
FROM docker.io/library/debian:trixie

# Debian's own Rust (rustc and cargo 1.85, the workspace's minimum) rather than
# rustup's: no download outside Debian's mirrors, and the same Rust on both
# architectures. libseccomp-dev is what the steps link against (the libseccomp
# crate links -lseccomp without pkg-config); strace and python3 are what the
# tests use; git for the repository; ca-certificates so that cargo reaches
# crates.io. runc is left out: it cannot start a container inside this one
# without more privileges than a runtime gives by default, so the few tests that
# run the program under runc cannot run here anyway. So are the packages of
# Podman's and Docker's default profiles, which a few tests of step 4 read: for
# a JSON file each, Podman's brings 60 MB of network tools and Docker's 1.4 GB
# of Go sources. Those tests are ignored unless asked for, with their reasons.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        cargo rustc libseccomp-dev strace python3 git ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# The user is root. The repository is bind-mounted from the host, and root is
# the one user that can write to it everywhere: under rootless Podman the
# container's root is the host user who owns the files, and Docker Desktop's
# file sharing writes as that user, while another user of the image would meet
# files owned by a uid it is not. It is root in the container only: the runtime
# gives it no more than its default capabilities, and its seccomp profile still
# applies.
#
# Under rootful Docker on Linux the files keep the host user's uid, which is
# not root's, and git then refuses the repository as owned by someone else
# ("dubious ownership"); it is the workspace, so it is trusted.
RUN git config --system --add safe.directory '*'

# Nothing is copied in: the repository is mounted here as the workspace (as
# Dev Containers do), so the edits, target/ and the transcripts you save stay
# on the host, and the image does not go stale when the repository changes.
WORKDIR /work
CMD ["bash"]
