#!/bin/sh
# Fetches the classification CSVs of scikit-learn's bundled datasets (iris, wine, breast cancer) from the Debian
# package python3-sklearn, without installing it: apt-get download + dpkg-deb -x into a scratch folder, then copies
# the data folder, the dataset descriptions and the package's copyright file into the cache folder that
# MLNet.SoftTargets.Defaults reads by default. Needs apt-get and dpkg-deb (any user; no root).
#
#   benchmarks/MLNet.SoftTargets.Defaults/get-sklearn-data.sh [CACHE_DIR]
#
# CACHE_DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/mlnet-softtargets/python3-sklearn.
set -eu

cache="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/mlnet-softtargets/python3-sklearn}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

cd "$scratch"
# apt-get warns when it cannot hand the download to its sandbox user (_apt); the file is fetched either way.
apt-get download python3-sklearn
deb="$(ls python3-sklearn_*.deb)"
dpkg-deb -x "$deb" root
base=root/usr/lib/python3/dist-packages/sklearn/datasets

mkdir -p "$cache"
for file in iris.csv wine_data.csv breast_cancer.csv; do
    cp "$base/data/$file" "$cache/$file"
done
for file in iris.rst wine_data.rst breast_cancer.rst; do
    cp "$base/descr/$file" "$cache/$file"
done
cp root/usr/share/doc/python3-sklearn/copyright "$cache/copyright"
echo "python3-sklearn $(dpkg-deb -f "$deb" Version)" > "$cache/VERSION"
echo "$(cat "$cache/VERSION") -> $cache"
