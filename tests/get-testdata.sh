#!/usr/bin/env bash
# Fetches the test data the tests read: public photos (ageitgey/face_recognition, MIT;
# georg-jung/FaceAiSharp, Wikimedia Commons) and the two stand-in models (darzhz/pixamatch), each
# checked against its SHA-256, into $FACEAPI_TESTDATA (default: ../shared/testdata beside the
# repository), plus the small derived files committed in tests/testdata (faces.json, resize/).
# Files already there with the right hash are kept, so a second run only verifies.
# The photos and models are never committed to this repository. Sources: tests/testdata/SOURCES.md.
#
#   bash tests/get-testdata.sh
#
# FACEAPI_TESTDATA_MIRROR=http://host:port replaces every download host, for a mirror laid out as
# <owner>/<repo>/<ref>/<path> (how the script is tested against a loopback server).
set -euo pipefail
repo_root=$(cd "$(dirname "$0")/.." && pwd)
dest=${FACEAPI_TESTDATA:-$repo_root/../shared/testdata}
mirror=${FACEAPI_TESTDATA_MIRROR:-}

# target path | sha256 | owner/repo | candidate paths in that repository (the first whose hash matches wins)
files=(
  "faces/obama.jpg|0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6|ageitgey/face_recognition|examples/obama.jpg tests/test_images/obama.jpg"
  "faces/obama2.jpg|a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6|ageitgey/face_recognition|examples/obama2.jpg tests/test_images/obama2.jpg examples/knn_examples/train/obama/obama2.jpg"
  "faces/obama3.jpg|76ac6bf97c36dc2da0ad16a537d6a5ac1b10f48d49aac29a0cca9a17cdbc3ca3|ageitgey/face_recognition|tests/test_images/obama3.jpg"
  "faces/obama_partial_face.jpg|c2d1f09e7ef3042352b41e41286e6eb0522f64f88308be13886991b95db52117|ageitgey/face_recognition|tests/test_images/obama_partial_face.jpg"
  "faces/biden.jpg|3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c|ageitgey/face_recognition|examples/biden.jpg tests/test_images/biden.jpg examples/knn_examples/train/biden/biden.jpg"
  "faces/two_people.jpg|536b29cd513fb618e4d5aa79d51a279948daa804ce359463449cce5f9dc68aa7|ageitgey/face_recognition|examples/two_people.jpg"
  "faces/32bit.png|44dca895a7d635a4aedddd91a4f37af9a8a5b44e66154282a24645a757b5f627|ageitgey/face_recognition|tests/test_images/32bit.png"
  "faces/biden2.jpg|593ae76f7fdafe582535e288751e665f0533d5c9d5dc7264db24d7e6b6ce4730|ageitgey/face_recognition|examples/knn_examples/train/biden/biden2.jpg"
  "faces/john1.jpeg|74872ce95f0af6366f2b58a7017b72debf6ed91c197fe7bf6a759c32ebe06543|ageitgey/face_recognition|examples/knn_examples/train/kit_harington/john1.jpeg"
  "faces/john2.jpeg|c0970011d277d4772d488f60478b59fce212dabe824ce8e0c8032673ccad76ac|ageitgey/face_recognition|examples/knn_examples/train/kit_harington/john2.jpeg"
  "faces/rose1.jpg|0f3903bcc72a9c54ea8fb2075464fd6dc74a4fe55a09e8095ab948020b697baa|ageitgey/face_recognition|examples/knn_examples/train/rose_leslie/img1.jpg examples/knn_examples/train/rose_leslie/img2.jpg"
  "faces/rose2.jpg|274a9c97300ed1657faa1c293979c75013f2998ee0403c79fbbc10be67b442d2|ageitgey/face_recognition|examples/knn_examples/train/rose_leslie/img2.jpg examples/knn_examples/train/rose_leslie/img1.jpg"
  "faces/alex_lacamoire.jpg|348e0a705ebd86f531553298348913a0483a70c966f1eebea5d8409b2421516b|ageitgey/face_recognition|examples/knn_examples/train/alex_lacamoire/img1.jpg examples/knn_examples/test/alex_lacamoire1.jpg examples/knn_examples/train/alex_lacamoire/img3.jpg"
  "faces/obama_and_biden.jpg|b8781c1f734616a942ce67626e104151f7d891bc7064ae8a3db175f064357a1a|ageitgey/face_recognition|examples/knn_examples/test/obama_and_biden.jpg"
  "faces/obama_family.jpg|3ecdc21cf56a6bd8263dd98d156477677ba405e4d9aeaee7bcd07868046a07f2|georg-jung/FaceAiSharp|examples/obama_family.jpg"
  "faces/group_10mpx.jpg|bcf430818e0289c6b81b6a8b960458aee60bad4c20a53625492307dca2d900f1|georg-jung/FaceAiSharp|examples/group_10mpx.jpg"
  "models/scrfd_2.5g_bnkps.onnx|bc24bb349491481c3ca793cf89306723162c280cb284c5a5e49df3760bf5c2ce|darzhz/pixamatch|models/scrfd_2.5g_bnkps.onnx"
  "models/mobilefacenet.onnx|e72a5710cce378dc46472b6b845cb90647634f2738d8c3e581735cf195b9866f|darzhz/pixamatch|models/mobilefacenet.onnx"
)
# Default branches differ between the repositories; the hash decides, not the name.
refs="master main"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# Where one file may be downloaded from: raw.githubusercontent.com serves ordinary files; a file
# kept in Git LFS (the models may be) is served by media.githubusercontent.com.
candidate_urls() {
  local owner_repo=$1 paths=$2 ref path
  for ref in $refs; do
    for path in $paths; do
      if [ -n "$mirror" ]; then
        echo "$mirror/$owner_repo/$ref/$path"
      else
        echo "https://raw.githubusercontent.com/$owner_repo/$ref/$path"
        echo "https://media.githubusercontent.com/media/$owner_repo/$ref/$path"
      fi
    done
  done
}

mkdir -p "$dest/faces" "$dest/models"
missing=()
unreachable=" "
for entry in "${files[@]}"; do
  IFS='|' read -r target sha owner_repo paths <<<"$entry"
  file="$dest/$target"
  if [ -f "$file" ] && [ "$(sha256_of "$file")" = "$sha" ]; then
    echo "ok        $target"
    continue
  fi
  [ -f "$file" ] && echo "mismatch  $target (SHA-256 differs; downloading it again)"
  fetched=""
  tmp=$(mktemp "$dest/.download.XXXXXX")
  while read -r url; do
    host=$(echo "$url" | cut -d/ -f3)
    case "$unreachable" in *" $host "*) continue ;; esac
    status=0
    curl -fsSL --connect-timeout 15 --max-time 300 --retry 2 -o "$tmp" "$url" 2>/dev/null || status=$?
    if [ "$status" -eq 0 ] && [ "$(sha256_of "$tmp")" = "$sha" ]; then
      mv "$tmp" "$file"
      fetched=$url
      break
    fi
    # Could not resolve, connect or time out: every other URL on that host would wait the same way.
    case "$status" in 6 | 7 | 28) unreachable="$unreachable$host " ;; esac
  done < <(candidate_urls "$owner_repo" "$paths")
  rm -f "$tmp"
  if [ -n "$fetched" ]; then
    echo "fetched   $target from $fetched"
  else
    echo "MISSING   $target: no source answered with SHA-256 $sha (tried $owner_repo: $paths on $refs)" >&2
    missing+=("$target")
  fi
done

# The derived files have no public source; the repository's copies are the originals.
for derived in faces.json resize; do
  if ! diff -rq "$repo_root/tests/testdata/$derived" "$dest/$derived" >/dev/null 2>&1; then
    rm -rf "${dest:?}/$derived"
    cp -r "$repo_root/tests/testdata/$derived" "$dest/$derived"
    echo "copied    $derived"
  else
    echo "ok        $derived"
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "Test data incomplete in $dest; missing: ${missing[*]}" >&2
  exit 1
fi
echo "Test data complete in $dest"
