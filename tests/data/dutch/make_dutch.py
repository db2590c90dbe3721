"""Write the corpus of realistic Dutch exports read by ``tests/test_dutch.py``.

Run ``python tests/data/dutch/make_dutch.py`` after changing a file; the files are committed.
They are written here, byte by byte, because their encodings are the point: what Dutch Excel
saves as "CSV (puntkomma-gescheiden)" (Windows-1252, ``;``, decimal comma), a UTF-8 export
with a byte-order mark, a CBS StatLine download of "Kerncijfers wijken en buurten" (quoted
values, units in the headers), and an Excel workbook with Dutch sheet names.

All three describe one small, invented care network in three neighbourhoods of a city.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent

# Dutch Excel, "CSV (puntkomma-gescheiden)": Windows-1252 (é, the en dash), ';', decimal
# comma, Dutch headers, a trailing space after 'Lombok', spaces around ' GGZ '.
ACTOREN = """Code;Organisatie;Soort;Wijk;Capaciteit
HA-LOM;Huisartsenpraktijk Lombok;Huisarts;Lombok ;3,5
POH-LOM;POH Lombok;praktijkondersteuner;Lombok;
WT-LOM;Buurtteam Lombok;Wijkteam;Lombok;12
WZ-KAN;Welzijn Café Kanaleneiland;welzijn;Kanaleneiland;8,25
HA-KAN;Gezondheidscentrum Kanaleneiland;huisartsenpraktijk;Kanaleneiland;4
SHV;Schuldhulpverlening Utrecht;Schuldhulpverlening;;20
GEM;Gemeente Utrecht;gemeente;;
MZ-ZUI;Mantelzorgsteunpunt Zuilen – Noord;Mantelzorg;Zuilen;
ZG-ZUI;Zorgzame buurt Zuilen;zorgzame gemeenschap;Zuilen;
GGZ;GGZ-instelling; GGZ ;;
"""
RELATIES = """Van;Naar;Soort;Gewicht;Opmerking
HA-LOM;POH-LOM;samenwerking;4;
HA-LOM;WT-LOM;verwijzing;2,5;
POH-LOM;WZ-KAN;Verwijzing;1,5;welzijn op recept
WT-LOM;SHV;verwijzing;3;
GEM;WT-LOM;financiering;5;
GEM;WZ-KAN;financiering;4,75;subsidie 2024
HA-KAN;GGZ;verwijzing;2;
ZG-ZUI;MZ-ZUI;samenwerking;3,5;
WT-LOM;ZG-ZUI;informatie;1;
"""
# CBS StatLine download of Kerncijfers wijken en buurten: UTF-8 with BOM, every value quoted,
# units in the headers, decimal comma; the row of the district (Wijk) has no actors.
WIJKEN = (
    '"Wijken en buurten";"Gemeentenaam";"Soort regio";"Codering";"Aantal inwoners (aantal)";'
    '"Gemiddeld inkomen per inwoner (x 1 000 euro)";"SES-WOA totaalscore (getal)"\n'
    '"Lombok";"Utrecht";"Buurt";"BU03440301";"6125";"27,5";"-0,12"\n'
    '"Kanaleneiland";"Utrecht";"Buurt";"BU03440702";"9870";"19,8";"-0,41"\n'
    '"Zuilen";"Utrecht";"Buurt";"BU03440401";"7340";"24,1";"-0,05"\n'
    '"Wijk 03 West";"Utrecht";"Wijk";"WK034403";"42385";"30,2";"0,08"\n'
)
# A GP cooperative's export: UTF-8 with BOM, commas, English headers in other spelling, no
# tie kind and no weight column (defaults, reported), a 'buurt' column.
GP_ACTORS = """\ufeffID,Type,Buurt,Capacity (FTE)
HA-LOM,Huisarts,Lombok ,3.5
POH-LOM,POH,Lombok,
HA-KAN,huisarts,Kanaleneiland,4
APO-KAN,Apotheek,Kanaleneiland,
"""
GP_TIES = """\ufeffBron,Doel
HA-LOM,POH-LOM
HA-KAN,APO-KAN
HA-LOM,APO-KAN
"""


def xlsx() -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Actoren"
    sheet.append(("Code", "Organisatie", "Soort", "Wijk", "Capaciteit"))
    for line in ACTOREN.splitlines()[1:]:
        code, org, kind, wijk, cap = line.split(";")
        sheet.append((code, org, kind, wijk or None,
                      float(cap.replace(",", ".")) if cap else None))
    ties = book.create_sheet("Relaties")
    ties.append(("Van", "Naar", "Soort", "Sterkte", "Opmerking"))
    for line in RELATIES.splitlines()[1:]:
        a, b, kind, w, note = line.split(";")
        ties.append((a, b, kind, float(w.replace(",", ".")), note or None))
    wijken = book.create_sheet("Wijken")
    wijken.append(("Buurtnaam", "Inwoners", "demand_eenzaamheid", "demand_schulden"))
    for row in (("Lombok", 6125, 320.5, 41), ("Kanaleneiland", 9870, 610, 95.25),
                ("Zuilen", 7340, 402, 38)):
        wijken.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def main() -> None:
    files = {
        "gemeente/actoren.csv": ACTOREN.encode("cp1252"),
        "gemeente/relaties.csv": RELATIES.encode("cp1252"),
        "gemeente/wijken.csv": WIJKEN.encode("utf-8-sig"),
        "huisartsen/actors.csv": GP_ACTORS.encode("utf-8"),
        "huisartsen/ties.csv": GP_TIES.encode("utf-8"),
        "zorgnetwerk.xlsx": xlsx(),
    }
    for name, data in files.items():
        path = HERE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


if __name__ == "__main__":
    main()
