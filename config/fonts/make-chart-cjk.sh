#!/bin/sh
# Rebuilds config/fonts/NotoSansCJKsc-chart.otf, the small subset of Noto Sans CJK SC (SIL Open Font
# License 1.1, see NotoSansCJK-LICENSE.txt) that draws the Chinese words of the /stats chart. It holds only
# the characters of the zh-CN `referral-chart-*` messages, the digits and the few signs the axes use.
# Run it after changing those messages (a unit test in src/features/referral/chart.rs fails until then):
#
#   apt-get install fonts-noto-cjk fonttools
#   sh config/fonts/make-chart-cjk.sh
#
# The source is Debian's fonts-noto-cjk collection; its third face (index 2) is the Simplified Chinese one.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
source_font=${NOTO_CJK_TTC:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
# The messages' own words, without their { $placeables }.
words=$(grep -h '^referral-chart-' "$here/../locales/zh-CN/referral.ftl" |
    sed -e 's/^[^=]*=//' -e 's/{[^}]*}//g' | tr -d '\n ')
pyftsubset "$source_font" \
    --font-number=2 \
    --text="${words}0123456789-.,:%()（）：，" \
    --unicodes=U+0020 \
    --layout-features= \
    --no-hinting \
    --desubroutinize \
    --name-IDs='*' \
    --name-languages='*' \
    --output-file="$here/NotoSansCJKsc-chart.otf"
ls -l "$here/NotoSansCJKsc-chart.otf"
