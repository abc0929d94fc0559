"""The gazetteers and word lists the features and rules consult.

``Lexicon`` holds the lists built into ``index/data`` by ``tools/build_wordlists.py`` (places, first
names, nouns, words seen lowercase; one entry a line, gzipped). The constants below are the short
hand-written lists the article-level rules use: titles and role endings that are no names, words
that make a name an organisation, club or street, and the like.

>>> lex = Lexicon()
>>> "Berlin" in lex.place_tokens, is_first_name("Sérgio", lex)
(True, True)
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

TITLES = frozenset(
    "Dr Dr. Prof Prof. Professor Professorin Herr Herrn Frau Mr Mrs Ms Sir Dame Papst Pfarrer "
    "Prinz Prinzessin König Königin Graf Gräfin Freiherr Kardinal Bischof Dipl Ing Ayatollah "
    "Scheich Emir Sultan Lord Lady Pater Schwester Bruder".split())
# Word endings of roles and common nouns ("Bildungssenatorin", "Landesbischof", "Streiktagen"): a
# token ending so is no name, even when the word lists have never seen it.
ROLE_ENDINGS = (
    "minister", "ministerin", "präsident", "präsidentin", "kanzler", "kanzlerin", "senator",
    "senatorin", "sprecher", "sprecherin", "chef", "chefin", "leiter", "leiterin", "direktor",
    "direktorin", "berater", "beraterin", "bischof", "bischöfin", "trainer", "trainerin",
    "vorsitzende", "vorsitzender", "bürgermeister", "bürgermeisterin", "experte", "expertin",
    "virologe", "virologin", "politiker", "politikerin", "mann", "frau", "autor", "autorin",
    "ung", "ungen", "heit", "keit", "schaft", "tion", "tät", "ismus", "tagen", "bank", "gefängnis",
    "sekretär", "sekretärin", "kommissar", "kommissarin", "abgeordnete", "abgeordneter",
    "freund", "freundin", "kollege", "kollegin", "partner", "partnerin", "gegner", "gegnerin",
    "kandidat", "kandidatin", "anwalt", "anwältin", "richter", "richterin", "mitglied", "manager",
    "managerin", "gründer", "gründerin", "spieler", "spielerin", "stürmer", "kapitän", "kapitänin",
    "moderator", "moderatorin", "sänger", "sängerin", "regisseur", "regisseurin", "forscher",
    "forscherin", "ökonom", "ökonomin", "hüter", "hüterin", "torwart", "keeper", "angreifer",
    "angreiferin", "routinier", "dekan", "dekanin", "pfarrer", "pfarrerin", "rapper", "rapperin",
    "dichter", "dichterin", "schriftsteller", "schriftstellerin", "künstler", "künstlerin",
    "musiker", "musikerin", "schauspieler", "schauspielerin", "komponist", "komponistin",
    "intendant", "intendantin", "dirigent", "dirigentin", "landrat", "landrätin", "stadtrat",
    "stadträtin", "loge", "login", "stellvertreter", "stellvertreterin", "gitarrist",
    "gitarristin", "bassist", "bassistin", "pianist", "pianistin", "schlagzeuger",
    "schlagzeugerin", "goalie", "joker", "clown", "prior", "priorin", "vize")


class Endings:
    """Word endings, tested against a lowercase word by its last three letters first: as fast
    with a hundred endings as with a few (``str.endswith`` tries each one in turn).

    >>> Endings(("minister", "ministerin", "chef")).match("gesundheitsministerin")
    True
    """

    def __init__(self, endings):
        self.endings = tuple(endings)
        by_tail: dict[str, list[str]] = {}
        for e in self.endings:
            by_tail.setdefault(e[-3:], []).append(e)
        self._by_tail = {tail: tuple(es) for tail, es in by_tail.items()}

    def match(self, low: str) -> bool:
        found = self._by_tail.get(low[-3:])
        return found is not None and low.endswith(found)


# Kinship words before a name mark a person as a role does ("seines Bruders Mischa", "ihre
# Tochter Lena"): rules._person_cue, rules._role_before.
KIN_WORDS = frozenset(
    "Bruder Schwester Sohn Tochter Vater Mutter Onkel Tante Neffe Nichte Enkel Enkelin Cousin "
    "Cousine Ehemann Ehefrau Gatte Gattin Witwe Witwer Opa Oma Großvater Großmutter".split())
BYLINE_CUES = frozenset(
    "foto fotos bild bilder grafik quelle video text autor autorin fotograf fotografin "
    "illustration montage karikatur mitarbeit".split())
BYLINE_PREFIX = frozenset("von mit".split())

GUEST_CUES = frozenset("Gastbeitrag Gastkommentar Gastautor Gastautorin".split())

PARTICLES = frozenset("da de di do dos du del della van von der den ten ter zu la le al el ad bin ibn".split())
PLACE_PREFIXES = frozenset("Santa San Saint Sankt St Puerto Port Fort Bad Los Las New".split())
NOUN_ENDINGS = ("ung", "ungen", "heit", "keit", "schaft", "tion", "tät", "ismus")
# Names the news use for a place whose base form is another name, applied per article. The
# facets' wider table of variants (search time, the printed form kept) is
# index/data/place_aliases.tsv, read by search.curation.
PLACE_ALIASES = {"Bundesrepublik": "Deutschland", "Bundesrepublik Deutschland": "Deutschland"}
DISTRICT = frozenset("Landkreis Kreis Bezirk Stadtbezirk Kanton".split())
# Role endings that make a capitalised word a role before a name ("Gesundheitsminister"): the
# noun endings of ROLE_ENDINGS ("-ung", "-heit") left out.
PERSON_ROLES = tuple(e for e in ROLE_ENDINGS if e not in (
    "ung", "ungen", "heit", "keit", "schaft", "tion", "tät", "ismus", "tagen", "bank", "gefängnis"))
# Parties as news writes them in parentheses after a politician's name ("Thorsten Frei (CDU)"):
# German, Austrian and Swiss (rules._name_after_inner_role).
PARTIES = frozenset(
    "CDU CSU SPD FDP AfD Grüne Grünen Linke Linken BSW FW ÖDP SSW Piraten Volt ÖVP SPÖ FPÖ NEOS "
    "Neos SVP GLP EVP EDU BVB".split())
# Verbs of saying beside a one-word name make it a person ("sagte Schmitt", "Schmitt sagte"):
# rules._person_cue.
SAYING_VERBS = frozenset(
    "sagte sagt sagten sagen so erklärte erklärt erklärten betonte betont meinte meint "
    "berichtete berichtet warnte warnt kritisierte kritisiert forderte fordert schrieb schreibt "
    "fragte fragt antwortete antwortet ergänzte ergänzt bestätigte bestätigt erzählte erzählt "
    "kommentierte kommentiert räumte teilte kündigte glaubt glaubte hofft hoffte "
    "zufolge laut sprach spricht verkündete verkündet".split())
# Verbs of a goal or a save, before or after a player's name ("trafen Biereth und Kiteishvili",
# "Menzel köpfte"): a cue as a verb of saying is (rules._person_cue).
SCORING_VERBS = frozenset(
    "traf trifft trafen erzielte erzielt erzielten köpfte köpft verwandelte verwandelt "
    "erhöhte erhöht verkürzte verkürzt glich gleicht parierte pariert vollendete vollendet "
    "markierte markiert".split())
_NATIONALITY_ER = (
    "Österreicher Schweizer Italiener Spanier Engländer Niederländer Holländer Belgier "
    "Norweger Isländer Bosnier Montenegriner Albaner Ukrainer Litauer Georgier Armenier Amerikaner "
    "US-Amerikaner Kanadier Mexikaner Brasilianer Argentinier Kolumbianer Peruaner Uruguayer "
    "Venezolaner Kubaner Japaner Koreaner Südkoreaner Inder Pakistaner Iraner Iraker Syrer "
    "Palästinenser Ägypter Marokkaner Algerier Tunesier Nigerianer Ghanaer Kameruner Kenianer "
    "Äthiopier Südafrikaner Australier Neuseeländer Luxemburger Liechtensteiner Katarer "
    "Jamaikaner Nordmazedonier Mazedonier Ecuadorianer Paraguayer Bolivianer Thailänder "
    "Indonesier").split()
_NATIONALITY_E = (
    "Schwede Däne Finne Pole Tscheche Slowake Slowene Kroate Serbe Grieche Türke Bulgare Rumäne "
    "Russe Weißrusse Belarusse Lette Este Chilene Chinese Libanese Senegalese Portugiese Brite "
    "Ire Schotte Franzose Afghane Kosovare Kasache Usbeke Vietnamese").split()
# A nationality before a one-word name marks a person as a role does ("der Schwede Lindberg",
# "die Italienerin Goggia"): rules._person_cue. Not "Deutsche": "der Deutsche Herbst".
NATIONALITIES = frozenset(
    _NATIONALITY_ER + [w + "in" for w in _NATIONALITY_ER]
    + _NATIONALITY_E + [w[:-1] + "in" for w in _NATIONALITY_E]
    + "Ungar Ungarin Französin Israeli Saudi".split())
# Towns of Germany, Austria and Switzerland of 15,000 or more (GeoNames) whose names are also
# words, so the place list leaves them out ("beim Singen", "die Weiden", "das Wetter"): a place
# only right after "in", "aus", "nach" (rules._word_towns). Not Norden, Lage: "nach Norden",
# "nach Lage der Dinge".
WORD_TOWNS = frozenset(
    "Singen Thun Weiden Horn Wetter Wangen Baden Wil Bulle Enger Haar Sitten".split())
# Nouns that follow a town's genitive where the town stands for its team ("Münchens Torhüter",
# "Kölns Abwehr"), in a sports report.
TEAM_WORDS = frozenset(
    "Trainer Cheftrainer Coach Torhüter Torwart Goalie Keeper Kapitän Abwehr Angriff Offensive "
    "Defensive Stürmer Spieler Verteidiger Mannschaft Team Fans Anhänger Sieg Niederlage Aus Tor "
    "Tore Treffer Führung Rückstand Kader Spielmacher Topscorer Mittelfeld Nachwuchs Reserve "
    "Ultras Sportdirektor Manager Serie Heimspiel Auswärtsspiel".split())
# Endings of compounds of the same ("Abwehrspieler", "Jungstar", "Torjäger", "Ersatzkeeper"):
# rules._team_word.
TEAM_ENDINGS = ("spieler", "trainer", "keeper", "torwart", "torhüter", "stürmer", "verteidiger",
                "star", "stars", "jäger", "kapitän", "coach", "talent",
                "neuzugang", "mannschaft", "elf", "fans", "abwehr")
# Lowercase name particles: after a first name they open its surname ("Rafael van der Vaart",
# "Ursula von der Leyen", "Paulo da Silva").
NAME_PARTICLES = frozenset("van von de da di do dos du del della ten ter zu".split())
# A place right after one of these words names a club ("FC Kaiserslautern", "ThSV Eisenach"); the
# town alone is then the club wherever the article writes it without "in"/"nach"/"aus" before it.
CLUB_HEADS = frozenset(
    "FC SC SV TSV TuS VfB VfL VfR SpVgg SSV FSV ThSV BSC SG TSG MSV HC EHC ERC SCC "
    "Borussia Eintracht Fortuna Arminia Alemannia Dynamo Kickers Baskets Rapid Sturm".split())
# A place right after one of these words is part of an organisation's name ("Universitätsklinikum
# Tübingen", "Uni Bielefeld", "Landgericht Hamburg"), not a place of the article by itself.
ORG_HEADS = CLUB_HEADS | frozenset(
    w + s for w in (
        "Uni Universität Universitätsklinikum Universitätsklinik Uniklinik Uniklinikum Klinikum "
        "Hochschule Fachhochschule TU Museum Landesmuseum Stadtmuseum Staatstheater Theater "
        "Staatsoper Oper Zoo Tierpark Stadtwerke Sparkasse Kreissparkasse Stadtsparkasse Volksbank "
        "Raiffeisenbank Landgericht Amtsgericht Oberlandesgericht Verwaltungsgericht Arbeitsgericht "
        "Sozialgericht Landratsamt Polizeipräsidium Polizeidirektion Polizeiinspektion "
        "Staatsanwaltschaft Bistum Erzbistum Gymnasium Realschule Gesamtschule Grundschule "
        "Volksschule Mittelschule Handwerkskammer Jobcenter Messe".split()) for s in ("", "s"))
STREET_WORDS = frozenset("Straße Strasse Allee Platz Gasse Damm Ufer Chaussee Ring".split())
# Words for streets and landscapes after a capitalised adjective that opens their name ("Mainzer
# Landstraße", "Bayerischer Wald", "Zürcher Oberland", "Fränkische Schweiz"): rules._landmarks.
# Not "Weg": "der Hamburger Weg" is a way of doing things as often as a street.
LANDMARK_WORDS = STREET_WORDS | frozenset(
    "Landstraße Land Oberland Unterland Hinterland Wald Forst See Berg Horn Garten Park Feld "
    "Moor Heide Alb Schweiz Bucht Seenplatte Riviera Becken Tal".split())
# English words that end the name of a place ("Sonoma County", "Napa Valley", "Biscayne Bay").
ENGLISH_PLACE_HEADS = frozenset("County Valley Bay Beach Canyon Island Islands".split())
# "Karl-Marx-Straße", "Konrad-Adenauer-Ufer": a hyphenated street named after someone or something
# ("Kawasaki-Platz" may be a seat in a race: squares are left to the tagger).
STREET_NAME = re.compile(r"[A-ZÄÖÜ][\w-]*-(?:Straße|Strasse|Allee|Gasse|Damm|Ufer|Chaussee)")
SPORT_WORDS = frozenset(
    "Tor Tore Treffer Spiel Spiels Partie Trainer Saison Liga Bundesliga Tabelle Spieltag Pokal "
    "Halbzeit Abpfiff Anpfiff Punkte Punkt Sieg Niederlage Remis Derby Fans Stadion Elfmeter "
    "Meisterschaft Playoffs Viertelfinale Halbfinale Finale".split())
# Lowercase words inside a multi-word place between its head and what it lies at ("Rothenburg ob
# der Tauber", "Frankfurt am Main"): a head that is a common noun makes no place of the whole
# ("der Regionalverkehr am Rhein" names the Rhine).
PLACE_JOINS = frozenset("am an im in ob bei unter vor auf der dem den".split())
DETERMINERS = frozenset("der die das den dem des ein eine einen einem einer eines".split())
# Articles and the prepositions fused with one: a listed place right after one of them, whose
# lowercase form is a word too, is that word ("das Essen", "beim Essen").
NOUN_MARKERS = DETERMINERS | frozenset(
    "beim zum zur vom kein keine keinen keinem keiner mein meine sein seine ihr ihre unser unsere "
    "dieses diesem dieser jedes jedem viel wenig".split())
# Kinds of road, not names of one ("auf der Landesstraße zwischen A und B"), though they end like
# a street.
ROAD_NOUNS = frozenset(
    f"{w}{s}" for w in (
        "Landesstraße Bundesstraße Kreisstraße Staatsstraße Landstraße Gemeindestraße "
        "Umgehungsstraße Ortsumgehung Ortsdurchfahrt Hauptverkehrsstraße Nebenstraße Seitenstraße "
        "Einbahnstraße Schnellstraße Durchgangsstraße Zufahrtsstraße Wohnstraße Fahrradstraße "
        "Spielstraße Bundesautobahn Autobahn").split() for s in ("", "n"))
# Places that are also currencies: after an amount they are money ("14 Millionen Franken").
CURRENCY_PLACES = frozenset({"Franken"})
AMOUNT_WORDS = frozenset(
    "Millionen Milliarden Mio Mrd Tausend Hundert Tausende Hunderte zwei drei vier fünf sechs "
    "sieben acht neun zehn zwanzig dreißig fünfzig hundert tausend".split())
# Place names that take an article ("die Falkensturmstraße", "der Vatikanstaat") end so.
PLACE_SUFFIXES = ("straße", "strasse", "gasse", "weg", "allee", "platz", "ring", "damm", "ufer",
                  "chaussee", "see", "berg", "tal", "wald", "gebirge", "insel", "inseln", "staat",
                  "land", "kreis", "viertel", "kiez", "markt")
LOCATIVE = frozenset("in im nach aus von bei vor um durch über nahe ins Richtung Stadt Gemeinde "
                     "Region Hansestadt Landeshauptstadt".split())
ROMAN = frozenset("I II III IV V VI VII VIII IX X XI XII XIII XIV XV XVI".split())
# Words before or after a name that make it an organisation, event or work named after someone
# ("Bündnis Sahra Wagenknecht", "Invictus Games", "Hans Böckler Stiftung"): not a person here.
ORG_BEFORE_NAME = frozenset(
    "Bündnis Bündnisses Galerie Stiftung Volksschule Grundschule Mittelschule Gymnasium Realschule "
    "Gesamtschule Hotel Restaurant Café Verlag".split())
ORG_AFTER_NAME = frozenset(
    "Games Collaborative Stiftung Institut Foundation Award Awards Preis Cup Trophy Open Festival "
    "GmbH AG SE KG Inc Ltd Group Holding Ventures Partners Capital Agency Agentur Verlag Gymnasium Schule Band "
    "Orchester Quartett Trio Show Center Centre Arena Stadion Klinik".split())
# Last words of the names of papers, broadcasters and institutions named after a place
# ("Washington Post", "Miami Herald", "Boston University"): such a name is no place.
MEDIA_AFTER_NAME = frozenset(
    "Post Times Journal Herald Tribune Gazette Examiner Chronicle Observer Telegraph Guardian "
    "Independent Daily Weekly News Mail Express Kurier Zeitung Rundschau Nachrichten Anzeiger "
    "Tagblatt Tageblatt Magazine Review Blade University College Institute Hospital".split())
APOSTROPHE_NAME = re.compile(r"[A-Z][’'][A-ZÄÖÜ][^\W\d_]+")  # "D’León", "O'Brien"
# Nouns of things, groups and works: a name right after one is no person ("Rockband Shirley
# Holmes", "Zahlungssystem Wero", "Impfstoffhersteller Curevac").
THING_ENDINGS = (
    "band", "konzern", "hersteller", "unternehmen", "firma", "anbieter", "dienstleister", "system",
    "plattform", "app", "marke", "serie", "film", "album", "sendung", "partei", "verein",
    "netzwerk", "projekt", "programm", "software", "modell", "schiff", "magazin", "zeitung",
    "portal", "label", "kette", "fonds", "versicherer", "startup", "start-up", "sender", "studio",
    "festival", "initiative", "bündnis", "stiftung", "verband", "kampagne", "podcast", "roman",
    "song", "impfstoff", "medikament", "präparat", "agentur", "blatt",
    "website", "webseite", "blog", "musical")
ORDINAL_ADVERB = re.compile(r"(?:erst|zweit|dritt|viert|fünft|sechst|siebt|acht|neunt|zehnt)ens")
# Last parts of hyphenated names that make an organisation or a place, not a person
# ("Robert Koch-Institut", "Konrad-Adenauer-Straße").
NOT_PERSON_HEADS = frozenset(
    "institut stiftung preis schule gymnasium universität klinik klinikum krankenhaus straße "
    "platz allee weg ring haus halle zentrum museum kaserne gesellschaft verlag gruppe".split())

# Arabic article or kinship word bound to a name by a hyphen ("al-Scharaa", "ad-Din", "el-Sisi"):
# written lowercase, so the CRF tends to leave it out of the person it belongs to.
BOUND_PARTICLE = re.compile(r"(?:al|ad|an|ar|as|asch|at|az|el|ed|en|er|es|ul|ud|abu|ibn|bin)-[A-ZÄÖÜ]\w+")

# Capitalised words that open a sentence and no name ("Denn Hendel ...", "Ob Kickl ..."):
# conjunctions, adverbs, prepositions, articles; not "Von", "Van", "De". No part of a person or
# place span that opens with one (rules._trim_person_span, rules._place_mention).
FUNCTION_WORDS = frozenset(
    "Denn Doch Aber Und Auch Wie Als Wenn Dass Weil Ob Nun Dann Zudem Laut Für Bei Nach Seit "
    "Während Trotz Wegen Ohne Gegen Unter Über Dem Den Der Die Das Des Ein Eine Im Am Zum Zur "
    "Beim Vom Ins Auf In Aus Mit Wovor Wo Wer Was Warum Da Wann Nur Noch Schon Sogar Selbst "
    "Jetzt Damit Zwar Oder Sondern Falls Obwohl Bevor Nachdem Bis Vor Dank Neben Zwischen Hier "
    "Dort Heute Gestern Bereits Erst Gerade Immerhin Allerdings Jedoch Deshalb Darum Daher "
    "Trotzdem Dennoch Außerdem Zuvor Danach Vorher Nachher Apropos".split())


class Lexicon:
    """The word lists the features and rules consult: places, first names, words seen lowercase,
    common nouns, surnames (rules only).

    Loaded from ``index/data``; each file is one entry a line, gzipped.
    """

    def __init__(self, data_dir: Path = DATA_DIR):
        self.data_dir = Path(data_dir)
        self.places = _read_list(self.data_dir / "places.txt.gz")
        self.first_names = _read_list(self.data_dir / "first_names.txt.gz")
        # More first names, of other countries (Faker's person providers, MIT): only rules read
        # them (is_first_name), so the CRF's features stay those it was trained with.
        self.more_first_names = _read_list(self.data_dir / "first_names_more.txt.gz")
        self.lowercase = _read_list(self.data_dir / "lowercase.txt.gz")
        self.nouns = _read_list(self.data_dir / "nouns.txt.gz")
        # Surnames that are no common word, place or first name (GermaNER's list, filtered):
        # only rules read it, to trust a one-word person the CRF is unsure of ("Haseloff").
        self.surnames = _read_list(self.data_dir / "surnames.txt.gz")
        # Towns of Germany, Austria and Switzerland that the place list leaves out as common words
        # or names (GeoNames): only rules read them, where the context names a town.
        self.word_towns = _read_list(self.data_dir / "word_towns.txt.gz")
        self.place_tokens = {p for p in self.places if " " not in p}
        self.place_heads = {p.split(" ", 1)[0] for p in self.places if " " in p}
        # Tokens that may make a sentence count a listed place the CRF left untagged (see
        # rules.listed_places): places, their genitives, first words of places of two words and
        # those words inflected ("Roten" for "Rotes Meer"), and street words.
        inflected = {h[:-1] + "en" for h in self.place_heads if h.endswith("e")}
        inflected.update(h[:-2] + "en" for h in self.place_heads if h.endswith(("es", "er")))
        self.place_cues = frozenset().union(
            self.place_tokens, {p + "s" for p in self.place_tokens}, self.place_heads, inflected,
            STREET_WORDS)


def _read_list(path: Path) -> frozenset[str]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return frozenset(line.rstrip("\n") for line in fh if line.strip())
    except FileNotFoundError:
        return frozenset()


def is_first_name(tok: str, lexicon: Lexicon, more: bool = True) -> bool:
    """A listed first name, also with its accents dropped ("Sérgio" as "Sergio") or hyphenated
    from two ("Marie-Agnes"); ``more``: also one of ``lexicon.more_first_names`` (the rules
    ask so, the CRF's features not)."""
    first = lexicon.first_names
    if tok in first or more and tok in lexicon.more_first_names:
        return True
    if "-" in tok and tok[:1].isupper():
        return all(part in first or more and part in lexicon.more_first_names
                   for part in tok.split("-"))
    if tok.isascii():
        return False
    return unicodedata.normalize("NFD", tok).encode("ascii", "ignore").decode() in first

