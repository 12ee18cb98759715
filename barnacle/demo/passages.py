"""The passages the demo's synthetic pages are set from, in English, French and Latin:
public-domain classics (quoted from memory, so they may differ from any given edition), the
held-out passages used only on evaluation and sample pages, and running titles.
barnacle.demo.texts turns them into a seeded stream of words and lines."""

from __future__ import annotations

ENGLISH = """
In the beginning God created the heaven and the earth. And the earth was without
form, and void; and darkness was upon the face of the deep. And God said, Let
there be light: and there was light. And God saw the light, that it was good.
It is a truth universally acknowledged, that a single man in possession of a
good fortune, must be in want of a wife. However little known the feelings or
views of such a man may be on his first entering a neighbourhood, this truth is
so well fixed in the minds of the surrounding families, that he is considered
the rightful property of some one or other of their daughters.
Call me Ishmael. Some years ago, never mind how long precisely, having little or
no money in my purse, and nothing particular to interest me on shore, I thought
I would sail about a little and see the watery part of the world.
It was the best of times, it was the worst of times, it was the age of wisdom,
it was the age of foolishness, it was the epoch of belief, it was the epoch of
incredulity, it was the season of Light, it was the season of Darkness.
To be, or not to be, that is the question: whether it is nobler in the mind to
suffer the slings and arrows of outrageous fortune, or to take arms against a
sea of troubles, and by opposing end them.
Of Man's first disobedience, and the fruit of that forbidden tree, whose mortal
taste brought death into the world, and all our woe, sing, heavenly Muse.
When in the course of human events it becomes necessary for one people to
dissolve the political bands which have connected them with another, a decent
respect to the opinions of mankind requires that they should declare the causes.
Whan that Aprill with his shoures soote the droghte of March hath perced to the
roote, and bathed every veyne in swich licour, of which vertu engendred is the
flour.
The quality of mercy is not strained; it droppeth as the gentle rain from heaven
upon the place beneath. It is twice blest: it blesseth him that gives and him
that takes.
All the world's a stage, and all the men and women merely players; they have
their exits and their entrances, and one man in his time plays many parts.
Reading maketh a full man; conference a ready man; and writing an exact man.
Studies serve for delight, for ornament, and for ability.
Some books are to be tasted, others to be swallowed, and some few to be chewed
and digested.
The printer set the type by candlelight, and the proofs were read twice before
the sheets went to the press on the following morning.
Chapter the First, in which the author gives some account of himself and of his
family, and of the first motives which induced him to travel.
Of the nature of fire, and of the several opinions of the ancients concerning
the elements, with some remarks upon the experiments of the moderns.
A new and accurate description of the coast of Guinea, divided into the Gold,
the Slave, and the Ivory Coasts, with a map of the whole.
The library of the college contains some four thousand volumes, of which the
greater part are works of divinity, law and physick.
In the year 1666 a great fire consumed the better part of the city of London,
and the churches, halls and houses were reduced to ashes within four days.
He that hath ears to hear, let him hear. The harvest truly is plenteous, but the
labourers are few.
Gentle reader, I here present thee with a small treatise, which I hope will be
found both profitable and pleasant, if thou wilt but read it with patience.
The ship was three hundred tons burthen, and carried eighteen guns and a crew
of ninety men, besides the passengers and their servants.
Let us now praise famous men, and our fathers that begat us. Such as did bear
rule in their kingdoms, men renowned for their power.
A flourishing trade in wool and cloth made the town rich, and its fairs were
known throughout the kingdom for their silks, spices and fine linen.
Whoever has made a voyage up the Hudson must remember the Kaatskill mountains,
a dismembered branch of the great Appalachian family.
Nature, the art whereby God hath made and governs the world, is by the art of
man, as in many other things, so in this also imitated.
Knowledge is power, and the first step towards it is to confess one's ignorance
of the things that one does not yet understand.
The river rises in the hills to the west, and after a course of some sixty
miles falls into the sea below the old fortified harbour.
"""

FRENCH = """
Longtemps, je me suis couché de bonne heure. Parfois, à peine ma bougie éteinte,
mes yeux se fermaient si vite que je n'avais pas le temps de me dire : Je
m'endors.
Il y avait en Westphalie, dans le château de monsieur le baron de
Thunder-ten-tronckh, un jeune garçon à qui la nature avait donné les mœurs les
plus douces.
Je pense, donc je suis. Le bon sens est la chose du monde la mieux partagée :
car chacun pense en être si bien pourvu, que ceux même qui sont les plus
difficiles à contenter en toute autre chose n'ont point coutume d'en désirer
plus qu'ils en ont.
L'homme est né libre, et partout il est dans les fers. Tel se croit le maître
des autres, qui ne laisse pas d'être plus esclave qu'eux.
C'est ici un livre de bonne foi, lecteur. Il t'avertit dès l'entrée que je ne
m'y suis proposé aucune fin, que domestique et privée.
Maître Corbeau, sur un arbre perché, tenait en son bec un fromage. Maître
Renard, par l'odeur alléché, lui tint à peu près ce langage.
La raison du plus fort est toujours la meilleure : nous l'allons montrer tout à
l'heure.
Rien ne sert de courir ; il faut partir à point. Le lièvre et la tortue en sont
un témoignage.
Le cœur a ses raisons que la raison ne connaît point. L'homme n'est qu'un
roseau, le plus faible de la nature ; mais c'est un roseau pensant.
Il faut cultiver notre jardin. Tout est pour le mieux dans le meilleur des
mondes possibles.
En 1815, M. Charles-François-Bienvenu Myriel était évêque de Digne. C'était un
vieillard d'environ soixante-quinze ans.
Le 24 février 1815, la vigie de Notre-Dame de la Garde signala le trois-mâts le
Pharaon, venant de Smyrne, Trieste et Naples.
Ce que l'on conçoit bien s'énonce clairement, et les mots pour le dire arrivent
aisément.
Heureux qui, comme Ulysse, a fait un beau voyage, ou comme cestuy-là qui conquit
la toison.
Mignonne, allons voir si la rose qui ce matin avait déclose sa robe de pourpre
au soleil a point perdu cette vesprée.
Je chante les combats et ce prélat terrible qui par ses longs travaux et sa
force invincible.
La bibliothèque de l'abbaye renfermait des manuscrits fort anciens, des
chroniques, des bréviaires et des chartes scellées de cire rouge.
Le libraire imprima l'ouvrage en deux volumes in-quarto, avec privilège du roi,
et le vendit rue Saint-Jacques, à l'enseigne de la Fontaine.
Des effets de la chaleur sur les corps, et de la manière d'en mesurer les
degrés par le moyen du thermomètre.
Nouvelle description de la ville de Paris, et de tout ce qu'elle contient de
plus remarquable, avec des figures en taille-douce.
Traité de la culture des arbres fruitiers, où l'on enseigne la manière de les
planter, tailler et greffer avec succès.
Le fleuve prend sa source dans les montagnes et se jette dans la mer après un
cours d'environ cent lieues.
On trouve dans ce recueil les lettres, mémoires et pièces diverses qui
servent à l'histoire de ce siècle.
Les affaires de la province furent réglées par les états assemblés à
Montpellier au mois de décembre de l'année suivante.
La fortune, qui se plaît à renverser les desseins des hommes, fit échouer
cette entreprise au moment même où elle semblait assurée.
Il arriva au port le troisième jour, fatigué du voyage, et fut reçu par les
échevins avec tous les honneurs dus à son rang.
"""

LATIN = """
Gallia est omnis divisa in partes tres, quarum unam incolunt Belgae, aliam
Aquitani, tertiam qui ipsorum lingua Celtae, nostra Galli appellantur.
Hi omnes lingua, institutis, legibus inter se differunt.
Quo usque tandem abutere, Catilina, patientia nostra? Quam diu etiam furor iste
tuus nos eludet? O tempora, o mores!
Arma virumque cano, Troiae qui primus ab oris Italiam fato profugus Laviniaque
venit litora, multum ille et terris iactatus et alto.
In principio creavit Deus caelum et terram. Terra autem erat inanis et vacua,
et tenebrae erant super faciem abyssi.
Pater noster, qui es in caelis, sanctificetur nomen tuum. Adveniat regnum tuum.
Fiat voluntas tua, sicut in caelo et in terra.
In principio erat Verbum, et Verbum erat apud Deum, et Deus erat Verbum.
Omnia per ipsum facta sunt, et sine ipso factum est nihil.
Tityre, tu patulae recubans sub tegmine fagi silvestrem tenui musam meditaris
avena.
Odi et amo. Quare id faciam, fortasse requiris. Nescio, sed fieri sentio et
excrucior.
Carpe diem, quam minimum credula postero. Aequam memento rebus in arduis servare
mentem.
Est modus in rebus, sunt certi denique fines, quos ultra citraque nequit
consistere rectum.
Beatus ille qui procul negotiis, ut prisca gens mortalium, paterna rura bubus
exercet suis.
Vita brevis, ars longa, occasio praeceps, experimentum periculosum, iudicium
difficile.
Historia vero testis temporum, lux veritatis, vita memoriae, magistra vitae,
nuntia vetustatis.
Gloria in excelsis Deo, et in terra pax hominibus bonae voluntatis.
Dies irae, dies illa, solvet saeclum in favilla, teste David cum Sibylla.
Liber primus de natura rerum, in quo de principiis et elementis omnium
corporum disseritur.
Historiae naturalis liber secundus, de mundo et elementis, de sideribus et
de caeli motibus.
Cum privilegio Caesareae Maiestatis ad decennium, typis et sumptibus
officinae, anno Domini 1584.
Quae omnia, si diligenter consideraveris, facile intelleges quanta sit vis
naturae et quam admirabilis ordo rerum.
Sapientia aedificavit sibi domum, excidit columnas septem. Initium sapientiae
timor Domini.
Felix qui potuit rerum cognoscere causas, atque metus omnes et inexorabile
fatum subiecit pedibus.
Fortes fortuna adiuvat. Audentes fortuna iuvat, timidosque repellit.
Caelum, non animum, mutant qui trans mare currunt. Strenua nos exercet inertia.
Epistola dedicatoria ad illustrissimum et reverendissimum dominum, dominum
episcopum, patronum suum.
Conficitur ex his quae dicta sunt, omnem rem publicam consilio quodam regendam
esse, ut diuturna sit.
Urbem Romam a principio reges habuere; libertatem et consulatum L. Brutus
instituit.
"""

# Passages used only on held-out pages (evaluation and the bundled sample
# pages); they never appear on training pages.
HELDOUT_EXTRA: dict[str, str] = {
    "en": """
Happy families are all alike; every unhappy family is unhappy in its own way.
Marley was dead: to begin with. There is no doubt whatever about that.
Whether I shall turn out to be the hero of my own life, or whether that station
will be held by anybody else, these pages must show.
There was no possibility of taking a walk that day.
It was a bright cold day in April, and the clocks were striking thirteen.
No man is an island, entire of itself; every man is a piece of the continent,
a part of the main.
Shall I compare thee to a summer's day? Thou art more lovely and more
temperate.
Now is the winter of our discontent made glorious summer by this sun of York.
The curfew tolls the knell of parting day, the lowing herd wind slowly o'er the
lea, the ploughman homeward plods his weary way.
A description of the several roads of the county, with the distances of the
market towns from London, and the days on which the markets are held.
The second volume contains the letters written from Italy in the years 1739 and
1740, with notes upon the pictures and antiquities of Rome.
""",
    "fr": """
Aujourd'hui, maman est morte. Ou peut-être hier, je ne sais pas.
Le pays était plat, la route droite, et le voyageur marchait depuis le matin
sans rencontrer âme qui vive.
Les hommes sont cause que les femmes ne les aiment point.
La gloire des grands hommes se doit toujours mesurer aux moyens dont ils se
sont servis pour l'acquérir.
Nous avons tous assez de force pour supporter les maux d'autrui.
Il n'y a point de hasard dans la nature, et tout y est l'effet d'une cause.
Le printemps revint, et avec lui les hirondelles, les fleurs des prés et les
longues soirées passées devant la porte.
On compte dans cette ville environ douze mille habitants, trois paroisses, un
collège et un hôpital fort bien entretenu.
Mémoire sur la navigation de la Loire, présenté aux états de Bretagne en
l'année 1772.
Les voyageurs arrivèrent à Lyon le soir du cinquième jour, après avoir passé la
Saône sur le pont de pierre.
""",
    "la": """
Ab urbe condita libri, in quibus res populi Romani a primordio urbis
narrantur.
Nihil est in intellectu quod non prius fuerit in sensu.
Mens sana in corpore sano. Dum spiro, spero.
Errare humanum est, perseverare autem diabolicum.
Non scholae sed vitae discimus. Ars longa, vita brevis.
Omnia mutantur, nihil interit. Tempus edax rerum.
Bella gerant alii, tu, felix Austria, nube.
Navigare necesse est, vivere non est necesse.
Ex libris bibliothecae collegii, donum auctoris, anno Domini 1623.
Hic liber continet epistolas familiares, orationes et carmina varia, cum
indice copiosissimo.
""",
}

LANGUAGES: dict[str, str] = {"en": ENGLISH, "fr": FRENCH, "la": LATIN}

RUNNING_TITLES: dict[str, tuple[str, ...]] = {
    "en": (
        "ESSAYS.",
        "THE HISTORY OF ENGLAND.",
        "A VOYAGE ROUND THE WORLD.",
        "Of Natural Philosophy.",
        "THE SPECTATOR.",
    ),
    "fr": (
        "ESSAIS.",
        "HISTOIRE DE FRANCE.",
        "Lettres persanes.",
        "DISCOURS DE LA MÉTHODE.",
        "Les Caractères.",
    ),
    "la": ("DE BELLO GALLICO.", "HISTORIAE.", "De natura rerum.", "EPISTOLAE.", "Annales."),
}
